// Stand-ins for Gluu's setup.py, one per version, that behave as upstream's does in what the install step
// depends on: the command line it accepts, how it reads setup.properties, when it refuses to run, the order it
// writes files in, where it logs and how it exits. No Gluu is installed. Both are Python 3 programs; each parses
// setup.properties with its version's semantics. Upstream (read, not copied):
//   CES-316 = GluuFederation/community-edition-setup@version_3.1.6.sp1 (adee15d)
//   CES-455 = GluuFederation/community-edition-setup@version_4.5.5 (c424531)
//
// Failure modes are switched by the test through /var/lib/standin/setup.mode inside the container (one word per
// line): `die-after-marker` (killed right after the early marker file is written), `fatal` (4.5: a FATAL error
// before save_properties, exit 1), `fatal-after-save` (4.5: setup.properties.last.enc written, then a FATAL error
// in the post-install tasks, exit 1), `traceback` (3.1.6: an exception caught and logged with its Traceback, the
// run completes, exit 0), `sleep=N` (the install takes N seconds). Every run appends a line to /var/lib/standin/setup-runs.jsonl and
// writes what it parsed to /var/lib/standin/setup-parsed.json.

/** Shared by both stand-ins: mode, run records. */
const PRELUDE = String.raw`#!/usr/bin/python3
# Stand-in for Gluu's setup.py (test only). See test/live/setupPyStandins.ts for the upstream references.
import base64, json, os, re, secrets, signal, sys, time, traceback

STANDIN = '/var/lib/standin'
INSTALL_DIR = os.path.dirname(os.path.realpath(__file__))

def modes():
    try:
        with open(os.path.join(STANDIN, 'setup.mode')) as f:
            return [l.strip() for l in f if l.strip()]
    except FileNotFoundError:
        return []

def mode(name):
    return name in modes()

def sleep_seconds():
    for m in modes():
        if m.startswith('sleep='):
            return float(m.split('=', 1)[1])
    return 0.5

def record_run(**kw):
    os.makedirs(STANDIN, exist_ok=True)
    kw['argv'] = sys.argv[1:]
    kw['cwd'] = os.getcwd()
    with open(os.path.join(STANDIN, 'setup-runs.jsonl'), 'a') as f:
        f.write(json.dumps(kw) + '\n')

def record_parsed(props, generated):
    with open(os.path.join(STANDIN, 'setup-parsed.json'), 'w') as f:
        json.dump({'argv': sys.argv[1:], 'props': props, 'generated': generated}, f)

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)

def die():
    # As if the process were killed (OOM, SIGHUP of its session): no handler, no cleanup.
    os.kill(os.getpid(), signal.SIGKILL)
`;

/**
 * Gluu 3.1.6's setup.py, as CES-316 shows it:
 * - command line: getopt `adp:f:hNnsuwrev` plus the long options (`setup.py:3557-3613`); a bad option prints help
 *   and exits 2;
 * - refuses to run when /etc/gluu/conf exists: "This instance already configured", exit 2 (`:695-696,3641-3643`);
 * - logs to `setup.log` / `setup_error.log` in its own directory (`:164-165`), removed at the start (`:3678-3688`),
 *   then "Installing Gluu Server" goes to both (`:3690`);
 * - reads setup.properties with its own Properties.py (`setup.py:27,1033-1050`; `Properties.py:95-219`): lines
 *   stripped, `#` comments, separator = first `=`/`:` not after a backslash, a line ending in `\` joined with
 *   the next, only `\:` and `\=` unescaped, values stripped; 'True'/'False' become booleans;
 * - `opendj_p12_pass` generated when absent (`:740-741`);
 * - prints its properties before installing, ldapPass among them (`__repr__`, `:594`);
 * - main loop (`:3713-3799`): templates rendered and copied early (ox-ldap.properties, `:531,1102-1119`), then
 *   OpenDJ and the services, then save_properties writes setup.properties.last LAST (`:3783`, through
 *   Properties.escape: only `:` and `=` escaped, `:2666-2687`; after it come only the test data of `-t` and the
 *   `--import-ldif` import, `:3785-3792`, neither used here); every exception is caught and logged with its
 *   Traceback (`:3796-3798`), "installation successful" is printed anyway and it exits 0.
 */
export const SETUP_PY_316 = PRELUDE + String.raw`
import getopt

CONFIG_FOLDER = '/etc/gluu/conf'
LOG = os.path.join(INSTALL_DIR, 'setup.log')
LOG_ERROR = os.path.join(INSTALL_DIR, 'setup_error.log')
SAVED = os.path.join(INSTALL_DIR, 'setup.properties.last')

def logIt(msg, errorLog=False):
    if errorLog:
        with open(LOG_ERROR, 'a') as f:
            f.write('%s %s\n' % (time.strftime('%X %x'), msg))
    with open(LOG, 'a') as f:
        f.write('%s %s\n' % (time.strftime('%X %x'), msg))

# Properties.py semantics (CES-316 Properties.py:95-219).
OTHERCHAR = re.compile(r'(?<!\\)(\s*\=)|(?<!\\)(\s*\:)')
OTHERCHAR2 = re.compile(r'(\s*\=)|(\s*\:)')
BSPACE = re.compile(r'\\(?!\s$)')

def unescape(value):
    return value.replace('\\:', ':').replace('\\=', '=')

def load_properties_316(text):
    props = {}
    lines = iter(text.split('\n'))
    for line in lines:
        line = line.strip()
        if not line or line[0] == '#':
            continue
        sepidx = -1
        m = OTHERCHAR.search(line)
        wspacere = re.compile(r'(?<![\\\=\:])(\s)')
        if m:
            start, end = 0, m.span()[0]
            wspacere = re.compile(r'(?<![\\\=\:])(\s)')
        else:
            if OTHERCHAR2.search(line):
                wspacere = re.compile(r'(?<![\\])(\s)')
            start, end = 0, len(line)
        m2 = wspacere.search(line, start, end)
        if m2:
            sepidx = m2.span()[0]
        elif m:
            sepidx = m.span()[1] - 1
        while line and line[-1] == '\\':
            line = line[:-1] + next(lines, '').strip()
        key, value = (line[:sepidx], line[sepidx + 1:]) if sepidx != -1 else (line, '')
        key = ''.join(BSPACE.split(key)).strip()
        props[key] = unescape(value).strip()
    return props

def escape(value):
    return value.replace(':', '\\:').replace('=', '\\=')

def main():
    try:
        opts, args = getopt.getopt(sys.argv[1:], 'adp:f:hNnsuwrev', ['allow_pre_released_applications', 'allow_deprecated_applications', 'import-ldif=', 'listen_all_interfaces'])
    except getopt.GetoptError:
        print('Usage: setup.py [-a] [-d <dir>] [-f <setup.properties>] [-h] [-n] [-N] [-s] [-u] [-w] [--listen_all_interfaces]')
        sys.exit(2)
    o = dict(opts)
    setup_properties = o.get('-f') if o.get('-f') and os.path.isfile(o.get('-f')) else None
    if os.path.exists(CONFIG_FOLDER):
        record_run(outcome='already-configured')
        print('\nThis instance already configured. If you need to install new one you should reinstall package first.')
        sys.exit(2)
    for fn in (LOG, LOG_ERROR):
        try:
            os.remove(fn)
        except FileNotFoundError:
            pass
    logIt('Installing Gluu Server', True)
    conf = {'listenAllInterfaces': '--listen_all_interfaces' in o, 'noPrompt': '-n' in o}
    if setup_properties:
        logIt('%s Properties found!\n' % setup_properties)
        with open(setup_properties) as f:
            props = load_properties_316(f.read())
        for k, v in props.items():
            conf[k] = True if v == 'True' else False if v == 'False' else v
    else:
        record_run(outcome='no-properties')
        print('interactive setup: not in a stand-in')
        sys.exit(3)
    generated = []
    if not conf.get('opendj_p12_pass'):
        conf['opendj_p12_pass'] = secrets.token_hex(8)
        generated.append('opendj_p12_pass')
    record_parsed(props, generated)
    print('Admin Pass'.ljust(30) + str(conf.get('ldapPass', '')).rjust(35))
    if not conf['noPrompt']:
        print('Proceed with these values [Y|n] (a stand-in does not prompt)')
        sys.exit(3)
    try:
        # render_templates + copy_output: the early marker.
        write(os.path.join(CONFIG_FOLDER, 'ox-ldap.properties'),
              'ssl.trustStoreFile: /etc/certs/opendj.pkcs12\nssl.trustStorePin: %s\n' % base64.b64encode(conf['opendj_p12_pass'].encode()).decode())
        logIt('Copying rendered templates to final destination')
        if mode('die-after-marker'):
            record_run(outcome='killed')
            die()
        # install_gluu_components: opendj.pkcs12 with the truststore password (setup.py:2841-2857), run() logs it.
        logIt("Running: /opt/jre/bin/keytool -importkeystore -destkeystore /etc/certs/opendj.pkcs12 -deststorepass %s" % conf['opendj_p12_pass'])
        time.sleep(sleep_seconds())
        if mode('traceback'):
            try:
                raise IOError('stand-in: a step failed and was logged (as set_ulimits does, CES-316 setup.py:1029-1031)')
            except Exception:
                logIt('Error running command : keytool -deststorepass %s' % conf['opendj_p12_pass'], True)
                logIt(traceback.format_exc(), True)
        # start_services, then save_properties: the last file written.
        keys = sorted(conf)
        lines = ['#Generated by the setup.py stand-in', '#' + time.ctime()]
        lines += ['%s=%s' % (k, escape(str(conf[k]))) for k in keys if str(conf[k]) != '']
        write(SAVED, '\n'.join(lines) + '\n')
        record_run(outcome='completed')
    except Exception:
        logIt('***** Error caught in main loop *****', True)
        logIt(traceback.format_exc(), True)
    print('\n\n Gluu Server installation successful! Point your browser to https://%s\n\n' % conf.get('hostname'))

main()
`;

/**
 * Gluu 4.5's setup.py, as CES-455 shows it:
 * - command line: argparse (`setup_app/utils/arg_parser.py`: `-c`, `-f`, `-n`, `--listen_all_interfaces`, …);
 *   an unknown option exits 2;
 * - logs to `logs/setup.log` / `logs/setup_error.log` (`setup_app/paths.py:8-11`);
 * - reads setup.properties with jproperties, Java-compatible (`setup_app/utils/base.py:32,199-207`);
 * - with /etc/gluu/conf/gluu.properties present it does not refuse: it runs as an "installed instance"
 *   (`setup.py:162-164`) and re-installs nothing;
 * - `opendj_truststore_pass` generated when absent (`properties_utils.py:133-134`);
 * - gluu.properties is rendered in prepare_for_installation before OpenDJ (`config.py:342`, `setup.py:312,339`);
 * - after install_services (`setup.py:422`), post_install (`setup.py:377-392`, called at `:424-425`) runs
 *   save_properties FIRST: it writes setup.properties.last, encrypts it to `.enc` with
 *   `openssl enc -aes-256-cbc -k <oxtrust_admin_password>`, queues the closing message with that password and
 *   removes the plaintext (`setup.py:379`, `properties_utils.py:303-350`); THEN post_install_tasks
 *   (`setup.py:382`; `installers/gluu.py:419`: chown/chmod of certs and folders, scripts enabled) and
 *   start_services (`setup.py:392`, `:364-375`: every service stopped and started). So the `.enc` is NOT the
 *   last thing a run does; the closing messages are printed after post_install (`setup.py:429-432`);
 * - any exception in all of that, the post-install tasks included (after the `.enc` exists): logIt("FATAL",
 *   True, True) writes FATAL and the Traceback to setup_error.log, prints and exits 1 (`setup.py:409,434-438`,
 *   `utils/base.py:182-193`).
 */
export const SETUP_PY_45 = PRELUDE + String.raw`
import argparse, subprocess

LOG_DIR = os.path.join(INSTALL_DIR, 'logs')
LOG = os.path.join(LOG_DIR, 'setup.log')
LOG_ERROR = os.path.join(LOG_DIR, 'setup_error.log')
GLUU_PROPERTIES = '/etc/gluu/conf/gluu.properties'
SAVED = os.path.join(INSTALL_DIR, 'setup.properties.last')

def logIt(msg, errorLog=False, fatal=False):
    os.makedirs(LOG_DIR, exist_ok=True)
    with open(LOG_ERROR if errorLog else LOG, 'a') as w:
        w.write('{} {}\n'.format(time.strftime('%X %x'), msg))
        if errorLog and 'NoneType: None' not in traceback.format_exc():
            w.write('{} {}\n'.format(time.strftime('%X %x'), traceback.format_exc()))
    if fatal:
        print('FATAL:', errorLog)
        print(traceback.format_exc())
        sys.exit(1)

# Java properties semantics (jproperties / java.util.Properties.load).
def logical_lines(text):
    out, cur = [], None
    for raw in text.split('\n'):
        line = raw.lstrip(' \t\f') if cur is not None else raw
        if cur is None and (not line.strip() or line.lstrip(' \t\f')[:1] in ('#', '!')):
            continue
        trailing = len(line) - len(line.rstrip('\\'))
        if trailing % 2 == 1:
            cur = (cur or '') + line[:-1]
            continue
        out.append((cur or '') + line)
        cur = None
    if cur is not None:
        out.append(cur)
    return out

def junescape(s):
    res, i = [], 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            n = s[i + 1]
            if n == 'u':
                res.append(chr(int(s[i + 2:i + 6], 16))); i += 6; continue
            res.append({'t': '\t', 'n': '\n', 'r': '\r', 'f': '\f'}.get(n, n)); i += 2; continue
        res.append(c); i += 1
    return ''.join(res)

def load_properties_java(text):
    props = {}
    for line in logical_lines(text):
        line = line.lstrip(' \t\f')
        i = 0
        while i < len(line) and line[i] not in '=: \t\f':
            i += 2 if line[i] == '\\' else 1
        key = line[:i]
        rest = line[i:].lstrip(' \t\f')
        if rest[:1] in ('=', ':'):
            rest = rest[1:].lstrip(' \t\f')
        props[junescape(key)] = junescape(rest)
    return props

def jescape(s):
    out = s.replace('\\', '\\\\')
    for c in '=:#!':
        out = out.replace(c, '\\' + c)
    return out

def main():
    p = argparse.ArgumentParser(description='stand-in')
    for flag in ('-c', '-n', '--listen_all_interfaces', '-t', '-x', '-csx', '--dummy', '--shell', '--no-progress'):
        p.add_argument(flag, action='store_true')
    p.add_argument('-f')
    p.add_argument('-properties-password')
    p.add_argument('--import-ldif')
    a = p.parse_args()
    conf = {'listenAllInterfaces': a.listen_all_interfaces}
    props = {}
    if a.f:
        logIt('{} Properties found!'.format(a.f))
        with open(a.f) as f:
            props = load_properties_java(f.read())
        for k, v in props.items():
            conf[k] = True if v.lower() == 'true' else False if v.lower() == 'false' else v
    if os.path.exists(GLUU_PROPERTIES):
        record_run(outcome='installed-instance')
        logIt('installed instance: nothing selected to add')
        return
    generated = []
    if not conf.get('opendj_truststore_pass'):
        conf['opendj_truststore_pass'] = secrets.token_hex(8)
        generated.append('opendj_truststore_pass')
    record_parsed(props, generated)
    try:
        # prepare_for_installation: gluu.properties and gluu-ldap.properties rendered, before OpenDJ.
        write(GLUU_PROPERTIES, 'persistence.type=ldap\n')
        write('/etc/gluu/conf/gluu-ldap.properties', 'ssl.trustStoreFile: /etc/certs/opendj.pkcs12\nssl.trustStorePin: %s\n' % base64.b64encode(conf['opendj_truststore_pass'].encode()).decode())
        if mode('die-after-marker'):
            record_run(outcome='killed')
            die()
        time.sleep(sleep_seconds())
        if mode('fatal'):
            raise RuntimeError('stand-in: OpenDJ installation failed (keytool -storepass %s)' % conf['opendj_truststore_pass'])
        # install_services, then post_install: save_properties first (encrypted, plaintext removed, a closing
        # message queued), then post_install_tasks and start_services; the closing messages are printed last.
        post_messages = []
        lines = ['%s=%s' % (k, jescape(str(v))) for k, v in sorted(conf.items()) if str(v) != '']
        write(SAVED, '\n'.join(lines) + '\n')
        subprocess.run(['openssl', 'enc', '-aes-256-cbc', '-in', SAVED, '-out', SAVED + '.enc', '-k', str(conf.get('oxtrust_admin_password', ''))], check=True)
        post_messages.append('Encrypted properties file saved to {}.enc with password {}'.format(SAVED, conf.get('oxtrust_admin_password')))
        os.remove(SAVED)
        logIt('post_install_tasks: setting ownerships and permissions of /etc/certs')
        if mode('fatal-after-save'):
            raise RuntimeError('stand-in: post_install_tasks failed after save_properties (chown of /etc/certs, ldap password %s)' % conf.get('ldapPass', ''))
        logIt('start_services: restarting oxauth, identity')
        record_run(outcome='completed')
        for m in post_messages:
            print(m)
    except Exception:
        record_run(outcome='fatal')
        logIt('FATAL', True, True)

main()
`;

/** Where the stand-ins keep their records inside the container root. */
export const SETUP_STANDIN_FILES = {
    mode: "/var/lib/standin/setup.mode",
    runs: "/var/lib/standin/setup-runs.jsonl",
    parsed: "/var/lib/standin/setup-parsed.json",
};
