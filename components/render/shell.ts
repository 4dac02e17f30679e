// Shell building blocks shared by every rendered script.
//
// Every remote step is a bash script: @pulumi/command hands its text to the login shell of the SSH user
// (`session.Run`), so the first line is a comment there and a shebang for shellcheck and for readers.
// Secrets never appear in this text: they arrive on stdin and are read by the script.

/** Quote a value for bash so that it is always one literal word (single quotes; `'` becomes `'\''`). */
export function shq(value: string): string {
    if (value === "") {
        return "''";
    }
    if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) {
        return value;
    }
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Characters that may appear in a host name, a DN component we generate, a path or a slug unquoted. */
const SAFE_TOKEN = /^[A-Za-z0-9._:/@+=,-]+$/;

/**
 * Refuse a value that is meant to be a plain token (host name, address, path, slug). Renderers quote
 * anyway; this is the second fence that keeps a hostile value from reaching a config file at all.
 */
export function assertToken(what: string, value: string): string {
    if (!SAFE_TOKEN.test(value)) {
        throw new Error(`${what} must be a plain token (letters, digits, . _ : / @ + = , -), got ${JSON.stringify(value)}`);
    }
    return value;
}

/** The header every step script starts with: strict mode and a name that says what it does. */
export function scriptHeader(title: string): string {
    return [
        "#!/usr/bin/env bash",
        `# ${title.replace(/\n/g, " ")}`,
        "set -euo pipefail",
        "umask 022",
        "export DEBIAN_FRONTEND=noninteractive",
        "# Temporary files (password files among them) are removed however the script ends. A cleanup that fails",
        "# only warns: under `set -e` a failing trap command would turn a finished step into a failed one, and a",
        "# failed step's error carries everything it printed (secret exports print last).",
        "cleanup_paths=()",
        'cleanup() { if [ "${#cleanup_paths[@]}" -gt 0 ]; then rm -rf -- "${cleanup_paths[@]}"; fi; }',
        `trap 'cleanup || echo "warning: could not remove temporary files" >&2' EXIT`,
    ].join("\n");
}

/** Join a header and body parts into one script text ending with a newline. */
export function script(title: string, ...parts: string[]): string {
    return [scriptHeader(title), ...parts.filter((p) => p.trim() !== "")].join("\n\n") + "\n";
}

/**
 * `svc NAME ACTION`: control a service with systemd when it runs as PID 1, else through /etc/init.d
 * (`service`). Hosts without systemd (containers, the live test bed) and with it behave the same.
 */
export const SERVICE_FUNCTIONS = `svc() {
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl "$2" "$1"
  else
    service "$1" "$2"
  fi
}
svc_enable() {
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl enable "$1" >/dev/null 2>&1 || true
  elif command -v update-rc.d >/dev/null 2>&1; then
    update-rc.d "$1" defaults >/dev/null 2>&1 || true
  fi
}`;

/**
 * \`apt_install PKG...\`: install only what is missing; waits for the dpkg lock (cloud-init and
 * unattended-upgrades hold it on fresh droplets) instead of failing.
 */
export const APT_FUNCTIONS = `apt_install() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ "\${#missing[@]}" -eq 0 ] && return 0
  local tries=0
  until apt-get -o DPkg::Lock::Timeout=300 update -qq; do
    tries=$((tries + 1)); [ "$tries" -ge 5 ] && return 1; sleep 5
  done
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "\${missing[@]}"
}`;

/**
 * \`put_file PATH MODE OWNER\`: write stdin to PATH atomically with its mode and owner set before any
 * content lands (a temporary file in the same directory, created 0600, then renamed). Prints
 * "changed PATH" only when the content differs, so callers can restart a service only if needed.
 */
export const PUT_FILE_FUNCTION = `put_file() {
  local path="$1" mode="$2" owner="$3" tmp
  # Create a missing parent only: an existing directory keeps its mode (e.g. /etc/redis is 2770).
  [ -d "$(dirname "$path")" ] || install -d -m 0755 "$(dirname "$path")"
  tmp=$(mktemp "$path.XXXXXX")
  chmod 0600 "$tmp"
  cat > "$tmp"
  chown "$owner" "$tmp"
  chmod "$mode" "$tmp"
  if [ -f "$path" ] && cmp -s "$tmp" "$path" && [ "$(stat -c '%a %U:%G' "$path")" = "$(stat -c '%a %U:%G' "$tmp")" ]; then
    rm -f "$tmp"
    return 0
  fi
  mv -f "$tmp" "$path"
  echo "changed $path"
}`;

/**
 * A here-document that feeds \`content\` to a command with no expansion. The delimiter is chosen so that
 * it cannot occur as a line of the content.
 */
export function heredoc(commandLine: string, content: string): string {
    let delimiter = "GLUU_EOF";
    let n = 0;
    const lines = new Set(content.split("\n"));
    while (lines.has(delimiter)) {
        n += 1;
        delimiter = `GLUU_EOF_${n}`;
    }
    const body = content.endsWith("\n") ? content : content + "\n";
    return `${commandLine} <<'${delimiter}'\n${body}${delimiter}`;
}

/**
 * Replace (or add) the block between marker lines in a file, leaving the rest of the file untouched;
 * running it twice changes nothing. The block text is given literally in the script (no secrets).
 */
export function managedBlock(path: string, marker: string, content: string): string {
    const begin = `# BEGIN ${marker} (managed by gluu-cluster; edits here are overwritten)`;
    const end = `# END ${marker}`;
    const block = [begin, content.replace(/\n+$/, ""), end].join("\n");
    return [
        `block_file=${shq(path)}`,
        `touch "$block_file"`,
        `new_block=$(mktemp)`,
        heredoc(`cat > "$new_block"`, block),
        `awk -v b=${shq(begin)} -v e=${shq(end)} 'BEGIN{skip=0} $0==b{skip=1;next} $0==e{skip=0;next} !skip{print}' "$block_file" > "$new_block.rest"`,
        `cat "$new_block.rest" "$new_block" > "$new_block.all"`,
        `if ! cmp -s "$new_block.all" "$block_file"; then cat "$new_block.all" > "$block_file"; echo "changed $block_file"; fi`,
        `rm -f "$new_block" "$new_block.rest" "$new_block.all"`,
    ].join("\n");
}

/** Where scripts keep state between runs (pending restarts, initialization records). */
export const STATE_DIR = "/var/lib/gluu-cluster";

/**
 * A restart that survives the script being killed: `begin` (after the change list exists) notes a restart
 * still owed by an earlier run that changed files but died before restarting, and leaves a marker for this
 * run; `end` (the script's last line, after the service answered) removes it. Without it, a re-run would find
 * the files already written, restart nothing, and leave the service on its old configuration.
 * `forget` is for failure paths that restored the previous state. `changesVar` is the shell variable naming the
 * change-list file (non-empty file = restart).
 */
export function pendingRestart(what: string, changesVar = "changes"): { begin: string; end: string; forget: string } {
    assertToken("pending restart name", what);
    if (!/^[a-z_][a-z0-9_]*$/.test(changesVar)) {
        throw new Error(`changes variable ${JSON.stringify(changesVar)} is not a plain shell name`);
    }
    return {
        begin: [
            `restart_marker=${STATE_DIR}/${what}.restart-pending`,
            `install -d -m 0700 ${STATE_DIR}`,
            `restart_owed=0`,
            `if [ -e "$restart_marker" ]; then restart_owed=1; echo "changed pending restart of ${what} (an earlier run stopped before it)" >>"$${changesVar}"; fi`,
            `if [ "$restart_owed" = 0 ]; then touch "$restart_marker"; fi`,
        ].join("\n"),
        end: `rm -f "$restart_marker"`,
        // For failure paths that put everything back as it was: this run owes nothing (an older debt stays).
        forget: `if [ "$restart_owed" = 0 ]; then rm -f "$restart_marker"; fi`,
    };
}
