// Gluu version profiles: everything that differs between Gluu releases, as data.
// Code asks the profile; nothing else in the library compares version strings.
// Facts: ../shared/reference/gluu-facts.md §1–§4 (sources cited there).

/** How commands reach the inside of the Gluu container. */
export type ContainerExec = "chroot" | "ssh";

export interface GluuVersionProfile {
    /** The version string users put in `version` / `gluu:version`. */
    version: string;
    /** Debian package to install (and hold). */
    packageName: string;
    /** apt suites (Ubuntu codenames) the package is published for; the host's codename must be one. */
    aptSuites: string[];
    /** Base URL of Gluu's apt repository. */
    aptRepoUrl: string;
    /** URL of the repository's signing key. */
    aptKeyUrl: string;
    /** The repository (and its key) need Gluu support-contract credentials. */
    repoNeedsCredentials: boolean;
    /** Container root on the host. */
    containerRoot: string;
    /** chroot (3.1.6 init.d packaging) or ssh to port 60022 with the console key (4.x, nspawn). */
    containerExec: ContainerExec;
    /** Host-side service that starts the container (`/etc/init.d/<name>` or `/sbin/gluu-serverd`). */
    containerService: string;
    /** The nspawn control script for packagings that have one (first `enable`, then `start`). */
    serverdScript: string;
    /** Key that `ssh` uses to enter the container (ssh exec only). */
    consoleKey: string;
    /** Port of the container's sshd (ssh exec only). */
    consolePort: number;
    /** Python interpreter that runs setup.py inside the container. */
    setupPython: string;
    /** Extra setup.py flags beyond `-n -f setup.properties --listen_all_interfaces`. */
    setupExtraFlags: string[];
    /**
     * A file setup.py writes EARLY (rendered templates, before OpenDJ is installed), so it means "setup.py got
     * that far", never "completed": CES-316 = GluuFederation/community-edition-setup@version_3.1.6.sp1
     * `setup.py:531,1102-1119` (ox-ldap.properties copied by copy_output before install_gluu_components);
     * CES-455 = …@version_4.5.5 `setup_app/config.py:342`, `setup.py:312,339` (gluu.properties rendered in
     * prepare_for_installation before the OpenDJ install).
     */
    installedMarker: string;
    /**
     * The properties file setup.py saves once the services are installed (4.x encrypts it): the install step's
     * completion test, with setup.py's exit status. CES-316 `setup.py:3783` (save_properties after start_services,
     * the last file of a run; `:166` the name); CES-455 `setup.py:377-379` (post_install → save_properties after
     * install_services, `:422-425`; post_install_tasks and start_services still follow, `:382,392`, and a failure
     * there exits 1, `:434-438`), `properties_utils.py:340-350` (openssl enc to `.enc`, plaintext removed).
     */
    setupPropertiesLast: string;
    /**
     * How setup.py reads setup.properties. `gluu-py2`: 3.1.6's own Properties.py, which unescapes only `\:`
     * and `\=`, strips values and continues lines ending in `\` (CES-316 `Properties.py:147-153,192,213-219`;
     * `setup.py:27,1033-1050`). `java`: 4.5's bundled jproperties, Java-compatible (CES-455
     * `setup_app/utils/base.py:32,199-207`).
     */
    propertiesDialect: "gluu-py2" | "java";
    /** setup.py's error log inside the container (CES-316 `setup.py:165`; CES-455 `setup_app/paths.py:8,11`). */
    setupErrorLog: string;
    /**
     * The setup.properties key of the LDAP truststore (/etc/certs/opendj.pkcs12) password, which must be one
     * value cluster-wide (CES-316 `setup.py:740-741,2841-2857`; CES-455 `properties_utils.py:133-134`,
     * `installers/opendj.py:447-457`).
     */
    truststorePasswordKey: string;
    /** setup.py reads `oxtrust_admin_password` (4.5); 3.1.6 never does: its admin password is `ldapPass` (CES-316 `templates/people.ldif:12`). */
    setupReadsAdminPassword: boolean;
    /** JRE truststore inside the container. */
    jreTruststore: string;
    /** Service names inside the container. */
    services: { opendj: string; oxauth: string; identity: string; apache: string };
    /** How services inside the container are controlled: `service X restart` or `systemctl restart X`. */
    serviceControl: "service" | "systemctl";
    /** LDAP entry that holds oxCacheConfiguration / oxIDPAuthentication; `{inumAppliance}` is filled in. */
    configurationDn: string;
    /** objectClass of that entry. */
    configurationObjectClass: string;
    /** oxIDPAuthentication's `config` is a JSON *string* (3.1.6) or a nested object (4.x). */
    idpAuthConfigIsString: boolean;
    /** Per-node LDAP connection file that file sync must never overwrite. */
    ldapPropertiesFile: string;
    /** `dsjavaproperties` exists in this version's OpenDJ. */
    hasDsJavaProperties: boolean;
    /**
     * `ldapsearch` options that turn LDIF line wrapping off in this version's OpenDJ: 3.0 (Gluu 3.1.6) has the
     * legacy tool's `-T/--dontWrap`; 4.x has the SDK tool's `-t/--wrapColumn` (0 = no wrapping) and no
     * `--dontWrap` (an unknown option ends the tool). Sources: test/live/opendjOptions.ts.
     */
    ldapsearchNoWrapArgs: string[];
    /** Paths proxied by the load balancer (round robin, then sticky). */
    lbPaths: { roundRobin: string[]; sticky: string[] };
    /** Ubuntu releases the packages target; used to explain image choices. */
    supportedUbuntu: string[];
    /** Note for the README and validation errors about where this version can run. */
    imageNote: string;
}

// Both containers are Ubuntu inside: Apache is `apache2`.
const GLUU_SERVICES = { opendj: "opendj", oxauth: "oxauth", identity: "identity", apache: "apache2" };

export const PROFILES: Readonly<Record<string, GluuVersionProfile>> = Object.freeze({
    "3.1.6": {
        version: "3.1.6",
        packageName: "gluu-server-3.1.6.sp1",
        aptSuites: ["xenial"],
        aptRepoUrl: "https://repo.gluu.org/ubuntu/",
        aptKeyUrl: "https://repo.gluu.org/ubuntu/gluu-apt.key",
        repoNeedsCredentials: false,
        containerRoot: "/opt/gluu-server-3.1.6",
        containerExec: "chroot",
        containerService: "gluu-server-3.1.6",
        serverdScript: "/sbin/gluu-serverd-3.1.6",
        consoleKey: "/etc/gluu/keys/gluu-console",
        consolePort: 60022,
        setupPython: "python",
        setupExtraFlags: [],
        installedMarker: "/etc/gluu/conf/ox-ldap.properties",
        setupPropertiesLast: "/install/community-edition-setup/setup.properties.last",
        propertiesDialect: "gluu-py2",
        setupErrorLog: "/install/community-edition-setup/setup_error.log",
        truststorePasswordKey: "opendj_p12_pass",
        setupReadsAdminPassword: false,
        jreTruststore: "/opt/jre/jre/lib/security/cacerts",
        services: GLUU_SERVICES,
        serviceControl: "service",
        configurationDn: "inum={inumAppliance},ou=appliances,o=gluu",
        configurationObjectClass: "gluuAppliance",
        idpAuthConfigIsString: true,
        ldapPropertiesFile: "/etc/gluu/conf/ox-ldap.properties",
        hasDsJavaProperties: true,
        ldapsearchNoWrapArgs: ["--dontWrap"],
        lbPaths: {
            roundRobin: ["/", "/.well-known", "/oxauth", "/cas", "/asimba"],
            sticky: ["/identity", "/idp", "/passport", "/casa"],
        },
        supportedUbuntu: ["16.04"],
        imageNote:
            "Gluu 3.1.6 packages target Ubuntu 16.04 (xenial), which DigitalOcean no longer offers as a public " +
            "image: use a custom image (a DO snapshot of 16.04) in `dropletImage`, or existing hosts.",
    },
    "4.5": {
        version: "4.5",
        packageName: "gluu-server",
        aptSuites: ["focal", "jammy"],
        aptRepoUrl: "https://repo.gluu.org/ubuntu/",
        aptKeyUrl: "https://repo.gluu.org/ubuntu/gluu-apt.key",
        repoNeedsCredentials: true,
        containerRoot: "/opt/gluu-server",
        containerExec: "ssh",
        containerService: "gluu-server",
        serverdScript: "/sbin/gluu-serverd",
        consoleKey: "/etc/gluu/keys/gluu-console",
        consolePort: 60022,
        setupPython: "python3",
        setupExtraFlags: ["-c"],
        installedMarker: "/etc/gluu/conf/gluu.properties",
        setupPropertiesLast: "/install/community-edition-setup/setup.properties.last.enc",
        propertiesDialect: "java",
        setupErrorLog: "/install/community-edition-setup/logs/setup_error.log",
        truststorePasswordKey: "opendj_truststore_pass",
        setupReadsAdminPassword: true,
        jreTruststore: "/opt/jre/lib/security/cacerts",
        services: GLUU_SERVICES,
        serviceControl: "systemctl",
        configurationDn: "ou=configuration,o=gluu",
        configurationObjectClass: "gluuConfiguration",
        idpAuthConfigIsString: false,
        ldapPropertiesFile: "/etc/gluu/conf/gluu-ldap.properties",
        hasDsJavaProperties: false,
        ldapsearchNoWrapArgs: ["--wrapColumn", "0"],
        lbPaths: {
            roundRobin: ["/", "/.well-known", "/oxauth", "/cas"],
            sticky: ["/identity", "/idp", "/passport", "/casa"],
        },
        supportedUbuntu: ["20.04", "22.04"],
        imageNote:
            "Gluu 4.5 packages target Ubuntu 20.04/22.04 (e.g. `ubuntu-22-04-x64`) and need Gluu support-contract " +
            "repository credentials (`gluu:repoUser`, `gluu:repoPassword`).",
    },
});

/** The versions this library knows, in the order the README lists them. */
export const SUPPORTED_VERSIONS = Object.keys(PROFILES);

/** Versions users may write that mean a profile (e.g. `4.5.5` → `4.5`, `3.1.6.sp1` → `3.1.6`). */
export function normalizeVersion(version: string): string | undefined {
    if (PROFILES[version]) {
        return version;
    }
    if (/^3\.1\.6(\.sp1)?$/.test(version)) {
        return "3.1.6";
    }
    if (/^4\.5(\.\d+)?$/.test(version)) {
        return "4.5";
    }
    return undefined;
}

/** Look up a profile; unknown versions are rejected by name with the list of known ones. */
export function profileFor(version: string, field = "version"): GluuVersionProfile {
    const key = normalizeVersion(version);
    if (!key) {
        throw new Error(
            `\`${field}\` is ${JSON.stringify(version)}, which is not a Gluu version this library supports; ` +
                `use one of: ${SUPPORTED_VERSIONS.join(", ")}.`,
        );
    }
    return PROFILES[key];
}
