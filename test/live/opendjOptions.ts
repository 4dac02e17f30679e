// What each Gluu version's OpenDJ command-line tools accept: the options and subcommands their argument
// parsers REGISTER, read from the upstream source (not copied), one table per version. The stand-ins of
// dsconfig, dsreplication, ldapsearch, ldapmodify and dsjavaproperties (standins.ts `opendjToolStandin`,
// opendjStandins.ts `standinPy`) check every call against their version's table with OPENDJ_ARGCHECK_PY and
// exit non-zero on anything else, as the real ArgumentParser does; test/opendj-options.spec.ts checks every
// OpenDJ invocation of every rendered script against the same tables.
//
// Versions and sources (repo@commit; the tag in brackets):
// - 3.1.6 ships OpenDJ `3.0.1.gluu` (no public source found): OpenIdentityPlatform/OpenDJ@185acee [3.0.0] is the
//   proxy (review D23). Its parent POM is opendj-sdk-parent 3.0.0 (OpenIdentityPlatform/OpenDJ@185acee:pom.xml:32-33),
//   whose opendj-cli (ArgumentConstants, CommonArguments, ArgumentParser, ConnectionFactoryProvider) is read from
//   GluuFederation/OpenDJ-SDK@583e86d [3.0.0].
// - 4.5 ships GluuFederation/gluu-opendj4 4.5.3: GluuFederation/gluu-opendj4@ccae6b0 ("update version to 4.5.3").
//   Cross-checked with OpenIdentityPlatform/OpenDJ@6a69059 [4.5.3]: LDAPSearch.java, LDAPModify.java,
//   CommonArguments.java, ArgumentConstants.java, ArgumentParser.java, ReplicationCliArgumentParser.java,
//   SecureConnectionCliArgs.java and DSConfig.java are the same blobs; ConnectionFactoryProvider.java differs in
//   import order only.
//
// Parser behaviour both versions share (the checker follows it):
// - long options are matched case-insensitively: every parser here is built with longArgumentsCaseSensitive
//   = false (GluuFederation/OpenDJ-SDK@583e86d:opendj-cli/src/main/java/com/forgerock/opendj/cli/ArgumentParser.java:1171-1172;
//   GluuFederation/gluu-opendj4@ccae6b0:opendj-cli/src/main/java/com/forgerock/opendj/cli/ArgumentParser.java:1046-1048,1666-1667);
//   `--name=value` is accepted (same files, 4.5 `:1035-1044`);
// - an unregistered long option is an ArgumentException (ERR_ARGPARSER_NO_ARGUMENT_WITH_LONG_ID, 3.0 `:1189`,
//   4.5 `:1064`), except `--help` and `--version`, which always print usage/version (3.0 `:1178-1185`, 4.5
//   `:1053-1060`); the tools then exit non-zero: ldapsearch/ldapmodify with 89 = CLIENT_SIDE_PARAM_ERROR
//   (OpenIdentityPlatform/OpenDJ@185acee:opendj-server-legacy/src/main/java/org/opends/server/tools/LDAPSearch.java:1075-1081;
//   GluuFederation/gluu-opendj4@ccae6b0:opendj-ldap-toolkit/src/main/java/com/forgerock/opendj/ldap/tools/LDAPToolArgumentParser.java:156-158),
//   which the stand-ins return for every refusal. Short options are case-sensitive single characters.
// - subcommand tools (dsconfig, dsreplication): the first non-option word names the subcommand; global options
//   are accepted anywhere, a subcommand's options only after it.
// What is NOT modelled: options of subcommands no script uses (dsconfig has hundreds of generated
// subcommands; only the six the scripts use are listed), dsreplication purge-historical's task-scheduling
// options. The stand-ins refuse those, which is stricter than the tools, never laxer.

/** The Gluu versions with a table (profiles.ts keys). */
export type OpenDjTableVersion = "3.1.6" | "4.5";

/** A group of options with the source that registers them. `options`: "--long|-s <value>" / "--flag". */
export interface OptionBlock {
    source: string;
    options: string[];
}

export interface ToolTable {
    /** The class behind bin/<tool>, with its source. */
    source: string;
    /** Options accepted anywhere on the command line. */
    global: OptionBlock[];
    /** Subcommand name → its own options (subcommand tools only). */
    subcommands?: Record<string, OptionBlock[]>;
    /** Whether words after the options are accepted (ldapsearch: filter and attributes). */
    trailing: boolean;
}

const DJ300 = "OpenIdentityPlatform/OpenDJ@185acee";
const SDK300 = "GluuFederation/OpenDJ-SDK@583e86d";
const DJ453 = "GluuFederation/gluu-opendj4@ccae6b0";

const L300 = `${DJ300}:opendj-server-legacy/src/main/java/org/opends/server`;
const CLI300 = `${SDK300}:opendj-cli/src/main/java/com/forgerock/opendj/cli`;
const L453 = `${DJ453}:opendj-server-legacy/src/main/java/org/opends/server`;
const CLI453 = `${DJ453}:opendj-cli/src/main/java/com/forgerock/opendj/cli`;
const TK453 = `${DJ453}:opendj-ldap-toolkit/src/main/java/com/forgerock/opendj/ldap/tools`;
const CFG300 = `${DJ300}:opendj-config/src/main/java/org/forgerock/opendj/config/dsconfig`;
const CFG453 = `${DJ453}:opendj-config/src/main/java/org/forgerock/opendj/config/dsconfig`;

// ---------------------------------------------------------------------------------------------------------
// shared blocks

/** dsconfig's connection options: ConnectionFactoryProvider with alwaysSSL = true (no --useSSL/--useStartTLS). */
function dsconfigConnection(source: string): OptionBlock {
    return {
        source,
        options: [
            "--hostname|-h <value>", "--port|-p <value>", "--bindDN|-D <value>", "--bindPassword|-w <value>",
            "--bindPasswordFile|-j <value>", "--saslOption|-o <value>", "--trustAll|-X", "--trustStorePath|-P <value>",
            "--trustStorePassword|-T <value>", "--trustStorePasswordFile|-U <value>", "--keyStorePath|-K <value>",
            "--keyStorePassword|-W <value>", "--keyStorePasswordFile|-u <value>", "--certNickname|-N <value>",
            "--reportAuthzID|-E", "--connectTimeout <value>", "--usePasswordPolicyControl",
        ],
    };
}

function dsconfigGlobal(source: string): OptionBlock {
    return {
        source,
        options: [
            "--advanced", "--help|-H", "--verbose|-v", "--quiet|-Q", "--script-friendly|-s", "--no-prompt|-n", "--batch",
            "--batchFilePath|-F <value>", "--displayCommand", "--commandFilePath <value>", "--propertiesFilePath <value>",
            "--noPropertiesFile",
        ],
    };
}

/**
 * The dsconfig subcommands the scripts use. Naming argument of the connection-handler relation: the last word of
 * the child's name + "-name" = `--handler-name` (CLIProfile.getNamingArgument); the two others are one-to-one
 * relations without a naming argument (RootConfiguration.xml `crypto-manager`, `administration-connector`).
 */
function dsconfigSubcommands(get: string, set: string, naming: string): Record<string, OptionBlock[]> {
    const getOpts: OptionBlock = { source: get, options: ["--property <value>", "--record|-E", "--unit-size|-z <value>", "--unit-time|-m <value>"] };
    const setOpts: OptionBlock = { source: set, options: ["--set <value>", "--reset <value>", "--add <value>", "--remove <value>"] };
    const handler: OptionBlock = { source: naming, options: ["--handler-name <value>"] };
    return {
        "get-administration-connector-prop": [getOpts],
        "set-administration-connector-prop": [setOpts],
        "get-crypto-manager-prop": [getOpts],
        "set-crypto-manager-prop": [setOpts],
        "get-connection-handler-prop": [handler, getOpts],
        "set-connection-handler-prop": [handler, setOpts],
    };
}

/** dsreplication's subcommands (the same names and options in both versions, short ids aside). */
function dsreplicationSubcommands(src: string, lines: Record<string, string>, disableShort: { all: string; server: string }): Record<string, OptionBlock[]> {
    const at = (k: string) => `${src}:${lines[k]}`;
    const hostPort = ["--hostname|-h <value>", "--port|-p <value>"];
    const related = ["--hostSource|-h <value>", "--portSource|-p <value>", "--hostDestination|-O <value>", "--portDestination <value>"];
    return {
        enable: [
            {
                source: at("enable"),
                options: [
                    "--host1|-h <value>", "--port1|-p <value>", "--bindDN1|-D <value>", "--bindPassword1 <value>", "--bindPasswordFile1 <value>",
                    "--replicationPort1|-r <value>", "--secureReplication1", "--noReplicationServer1", "--onlyReplicationServer1",
                    "--host2|-O <value>", "--port2 <value>", "--bindDN2 <value>", "--bindPassword2 <value>", "--bindPasswordFile2|-F <value>",
                    "--replicationPort2|-R <value>", "--secureReplication2", "--noReplicationServer2", "--onlyReplicationServer2",
                    "--skipPortCheck|-S", "--noSchemaReplication", "--useSecondServerAsSchemaSource",
                ],
            },
        ],
        disable: [{ source: at("disable"), options: [...hostPort, "--bindDN|-D <value>", `--disableReplicationServer${disableShort.server}`, `--disableAll${disableShort.all}`] }],
        initialize: [{ source: at("initialize"), options: related }],
        "initialize-all": [{ source: at("initialize-all"), options: hostPort }],
        "pre-external-initialization": [{ source: at("external"), options: [...hostPort, "--local-only|-l"] }],
        "post-external-initialization": [{ source: at("external"), options: hostPort }],
        "reset-change-number": [{ source: at("reset-change-number"), options: [...related, "--change-number <value>"] }],
        status: [{ source: at("status"), options: [...hostPort, "--script-friendly|-s"] }],
        // Task-scheduling options of purge-historical are not modelled (no script uses the subcommand).
        "purge-historical": [{ source: at("purge-historical"), options: [...hostPort, "--maximumDuration <value>"] }],
    };
}

// ---------------------------------------------------------------------------------------------------------
// Gluu 3.1.6 (OpenDJ 3.0 line)

const LDAP_CONN_300 = [
    "--hostname|-h <value>", "--port|-p <value>", "--useSSL|-Z", "--useStartTLS|-q", "--bindDN|-D <value>",
    "--bindPassword|-w <value>", "--bindPasswordFile|-j <value>", "--useSASLExternal|-r", "--saslOption|-o <value>",
    "--trustAll|-X", "--keyStorePath|-K <value>", "--keyStorePassword|-W <value>", "--keyStorePasswordFile|-u <value>",
    "--certNickname|-N <value>", "--trustStorePath|-P <value>", "--trustStorePassword <value>",
    "--trustStorePasswordFile|-U <value>", "--proxyAs|-Y <value>", "--reportAuthzID|-E", "--assertionFilter <value>",
    "--control|-J <value>", "--ldapVersion|-V <value>", "--connectTimeout <value>", "--encoding|-i <value>",
    "--filename|-f <value>", "--continueOnError|-c", "--dry-run|-n", "--verbose|-v", "--help|-H",
    "--propertiesFilePath <value>", "--noPropertiesFile",
];

const TABLE_316: Record<string, ToolTable> = {
    ldapsearch: {
        source: `${DJ300}:opendj-server-legacy/resource/bin/ldapsearch (OPENDJ_INVOKE_CLASS org.opends.server.tools.LDAPSearch)`,
        trailing: true,
        global: [
            {
                source: `${L300}/tools/LDAPSearch.java:687-1065 (new XArgument(name, short, long…); long names from ${CLI300}/ArgumentConstants.java, --trustAll/--verbose/--help from ${CLI300}/CommonArguments.java)`,
                options: [
                    ...LDAP_CONN_300,
                    "--baseDN|-b <value>", "--searchScope|-s <value>", "--usePasswordPolicyControl", "--persistentSearch|-C <value>",
                    "--simplePageSize <value>", "--matchedValuesFilter <value>", "--sortOrder|-S <value>", "--virtualListView|-G <value>",
                    "--subEntries", "--getEffectiveRightsAuthzid|-g <value>", "--getEffectiveRightsAttribute|-e <value>",
                    "--dereferencePolicy|-a <value>", "--typesOnly|-A", "--sizeLimit|-z <value>", "--timeLimit|-l <value>",
                    // LDAPSearch.java:1038 new BooleanArgument("dontwrap", 'T', "dontWrap", …)
                    "--dontWrap|-T", "--countEntries",
                ],
            },
        ],
    },
    ldapmodify: {
        source: `${DJ300}:opendj-server-legacy/resource/bin/ldapmodify (OPENDJ_INVOKE_CLASS org.opends.server.tools.LDAPModify)`,
        // new ArgumentParser(CLASS_NAME, toolDescription, false): no trailing arguments (LDAPModify.java:598-599)
        trailing: false,
        global: [
            {
                source: `${L300}/tools/LDAPModify.java:598-867 (long names from ${CLI300}/ArgumentConstants.java, ${CLI300}/CommonArguments.java)`,
                options: [...LDAP_CONN_300, "--defaultAdd|-a", "--preReadAttributes <value>", "--postReadAttributes <value>"],
            },
        ],
    },
    dsjavaproperties: {
        source: `${DJ300}:opendj-server-legacy/resource/bin/dsjavaproperties (org.opends.server.tools.JavaPropertiesTool)`,
        trailing: false,
        global: [
            {
                source: `${L300}/tools/JavaPropertiesToolArgumentParser.java:84-106 (getQuiet, getShowUsage: ${CLI300}/CommonArguments.java)`,
                options: ["--quiet|-Q", "--propertiesFile|-p <value>", "--destinationFile|-d <value>", "--help|-H"],
            },
        ],
    },
    dsreplication: {
        source: `${DJ300}:opendj-server-legacy/resource/bin/dsreplication (org.opends.server.tools.dsreplication.ReplicationCliMain)`,
        trailing: false,
        global: [
            {
                // alwaysSSL = true (ReplicationCliArgumentParser.java:222): no --useSSL/--useStartTLS; hostname, port,
                // bindDN, bindPassword(File) and --verbose are removed from the globals (:401-452).
                source: `${L300}/admin/client/cli/SecureConnectionCliArgs.java:211-296, ${L300}/admin/client/cli/SecureConnectionCliParser.java:242-262`,
                options: [
                    "--saslOption|-o <value>", "--trustAll|-X", "--trustStorePath|-P <value>", "--trustStorePassword|-T <value>",
                    "--trustStorePasswordFile|-U <value>", "--keyStorePath|-K <value>", "--keyStorePassword|-W <value>",
                    "--keyStorePasswordFile|-u <value>", "--certNickname|-N <value>", "--connectTimeout <value>", "--help|-H",
                ],
            },
            {
                source: `${L300}/tools/dsreplication/ReplicationCliArgumentParser.java:396-500 (OPTION_LONG_ADMIN_PWD(_FILE) = "adminPassword(File)": ${CLI300}/ArgumentConstants.java:389-391)`,
                options: [
                    "--baseDN|-b <value>", "--adminUID|-I <value>", "--adminPassword|-w <value>", "--adminPasswordFile|-j <value>",
                    "--quiet|-Q", "--no-prompt|-n", "--displayCommand", "--commandFilePath <value>", "--advanced",
                    "--configClass|-C <value>", "--configFile|-f <value>", "--propertiesFilePath <value>", "--noPropertiesFile",
                ],
            },
        ],
        subcommands: dsreplicationSubcommands(
            `${L300}/tools/dsreplication/ReplicationCliArgumentParser.java`,
            {
                enable: "532-668",
                disable: "675-705",
                initialize: "707-745",
                "initialize-all": "752-766",
                external: "775-821",
                "reset-change-number": "823-853",
                status: "856-880",
                "purge-historical": "882-925",
            },
            // 3.0: new BooleanArgument("disableall", 'a', "disableAll", …); disableReplicationServer has no short id (:686-698)
            { all: "|-a", server: "" },
        ),
    },
    dsconfig: {
        source: `${DJ300}:opendj-server-legacy/resource/bin/dsconfig (org.forgerock.opendj.config.dsconfig.DSConfig)`,
        trailing: false,
        global: [
            dsconfigGlobal(`${CFG300}/DSConfig.java:937-985`),
            dsconfigConnection(`${CFG300}/DSConfig.java:1072-1076 (new ConnectionFactoryProvider(parser, …, true)), ${CLI300}/ConnectionFactoryProvider.java:189-265`),
        ],
        subcommands: dsconfigSubcommands(
            `${CFG300}/GetPropSubCommandHandler.java:175-185, ${CFG300}/SubCommandHandler.java:569-583,1097-1160`,
            `${CFG300}/SetPropSubCommandHandler.java:111-146,567-592`,
            `${CFG300}/CLIProfile.java (getNamingArgument), ${DJ300}:opendj-maven-plugin/src/main/resources/config/xml/org/forgerock/opendj/server/config/RootConfiguration.xml`,
        ),
    },
};

// ---------------------------------------------------------------------------------------------------------
// Gluu 4.5 (GluuFederation/gluu-opendj4 4.5.3). bin/ldapsearch and bin/ldapmodify are the SDK tools:
// opendj-ldap-toolkit/src/main/assembly/bin/ldapsearch sets OPENDJ_INVOKE_CLASS com.forgerock.opendj.ldap.tools.LDAPSearch.
// No dsjavaproperties: opendj-server-legacy/resource/bin has none and no JavaPropertiesTool source exists.

/** ConnectionFactoryProvider(parser, app) — alwaysSSL false — as the SDK ldapsearch/ldapmodify register it. */
const SDK_CONN_453: OptionBlock = {
    source: `${CLI453}/ConnectionFactoryProvider.java:156-241 (names: ${CLI453}/CommonArguments.java, ${CLI453}/ArgumentConstants.java)`,
    options: [
        "--useSSL|-Z", "--useStartTLS|-q", "--hostname|-h <value>", "--port|-p <value>", "--bindDN|-D <value>",
        "--bindPassword|-w <value>", "--bindPasswordFile|-j <value>", "--saslOption|-o <value>", "--trustAll|-X",
        "--trustStorePath|-P <value>", "--trustStorePassword|-T <value>", "--trustStorePasswordFile|-U <value>",
        "--keyStorePath|-K <value>", "--keyStorePassword|-W <value>", "--keyStorePasswordFile|-u <value>",
        "--certNickname|-N <value>", "--reportAuthzID|-E", "--connectTimeout <value>", "--usePasswordPolicyControl",
    ],
};

const TABLE_45: Record<string, ToolTable> = {
    ldapsearch: {
        source: `${DJ453}:opendj-ldap-toolkit/src/main/assembly/bin/ldapsearch (com.forgerock.opendj.ldap.tools.LDAPSearch)`,
        trailing: true,
        global: [
            SDK_CONN_453,
            {
                // wrapColumnArgument(): IntegerArgument "wrapColumn", 't', lowerBound 0, default NO_WRAPPING_BY_DEFAULT = 0
                // (CommonArguments.java:1110-1117, CliConstants.java:64, ArgumentConstants.java:486-488). No dontWrap.
                source: `${TK453}/LDAPSearch.java:227-397`,
                options: [
                    "--propertiesFilePath <value>", "--noPropertiesFile", "--baseDN|-b <value>", "--searchScope|-s <value>",
                    "--proxyAs|-Y <value>", "--persistentSearch|-C <value>", "--simplePageSize <value>", "--assertionFilter <value>",
                    "--matchedValuesFilter <value>", "--sortOrder|-S <value>", "--virtualListView|-G <value>", "--control|-J <value>",
                    "--getEffectiveRightsAuthzid|-g <value>", "--getEffectiveRightsAttribute|-e <value>", "--dereferencePolicy|-a <value>",
                    "--typesOnly|-A", "--sizeLimit|-z <value>", "--timeLimit|-l <value>", "--wrapColumn|-t <value>", "--countEntries",
                    "--subEntries", "--continueOnError|-c", "--dry-run|-n", "--verbose|-v", "--help|-H",
                ],
            },
        ],
    },
    ldapmodify: {
        source: `${DJ453}:opendj-ldap-toolkit/src/main/assembly/bin/ldapmodify (com.forgerock.opendj.ldap.tools.LDAPModify)`,
        // .trailingArguments("[changes_files ...]") (LDAPModify.java:256)
        trailing: true,
        global: [
            SDK_CONN_453,
            {
                // --filename is hidden() but still registered and read (LDAPModify.java:287-293)
                source: `${TK453}/LDAPModify.java:254-343`,
                options: [
                    "--propertiesFilePath <value>", "--noPropertiesFile", "--filename|-f <value>", "--proxyAs|-Y <value>",
                    "--assertionFilter <value>", "--preReadAttributes <value>", "--postReadAttributes <value>", "--control|-J <value>",
                    "--continueOnError|-c", "--defaultAdd|-a", "--dry-run|-n", "--verbose|-v", "--help|-H",
                ],
            },
        ],
    },
    dsreplication: {
        source: `${DJ453}:opendj-server-legacy/resource/bin/dsreplication (org.opends.server.tools.dsreplication.ReplicationCliMain)`,
        trailing: false,
        global: [
            {
                source: `${L453}/admin/client/cli/SecureConnectionCliArgs.java:165-232, ${L453}/admin/client/cli/SecureConnectionCliParser.java:129-146`,
                options: [
                    "--saslOption|-o <value>", "--trustAll|-X", "--trustStorePath|-P <value>", "--trustStorePassword|-T <value>",
                    "--trustStorePasswordFile|-U <value>", "--keyStorePath|-K <value>", "--keyStorePassword|-W <value>",
                    "--keyStorePasswordFile|-u <value>", "--certNickname|-N <value>", "--connectTimeout <value>", "--help|-H",
                ],
            },
            {
                // no configClass in 4.x
                source: `${L453}/tools/dsreplication/ReplicationCliArgumentParser.java:363-450 (${CLI453}/ArgumentConstants.java:341,455-457)`,
                options: [
                    "--baseDN|-b <value>", "--adminUID|-I <value>", "--adminPassword|-w <value>", "--adminPasswordFile|-j <value>",
                    "--quiet|-Q", "--no-prompt|-n", "--displayCommand", "--commandFilePath <value>", "--advanced",
                    "--configFile|-f <value>", "--propertiesFilePath <value>", "--noPropertiesFile",
                ],
            },
        ],
        subcommands: dsreplicationSubcommands(
            `${L453}/tools/dsreplication/ReplicationCliArgumentParser.java`,
            {
                enable: "483-626",
                disable: "635-656",
                initialize: "665-704",
                "initialize-all": "713-726",
                external: "735-780",
                "reset-change-number": "781-800",
                status: "804-815",
                "purge-historical": "824-840",
            },
            // 4.x: BooleanArgument.builder("disableReplicationServer").shortIdentifier('a'); "disableAll" has none (:643-650)
            { all: "", server: "|-a" },
        ),
    },
    dsconfig: {
        source: `${DJ453}:opendj-server-legacy/resource/bin/dsconfig (org.forgerock.opendj.config.dsconfig.DSConfig)`,
        trailing: false,
        global: [
            dsconfigGlobal(`${CFG453}/DSConfig.java:919-970`),
            dsconfigConnection(`${CFG453}/DSConfig.java:1066-1069 (new ConnectionFactoryProvider(parser, …, true)), ${CLI453}/ConnectionFactoryProvider.java:177-241`),
        ],
        subcommands: dsconfigSubcommands(
            `${CFG453}/GetPropSubCommandHandler.java:163-169, ${CFG453}/SubCommandHandler.java:550-564,1080-1145`,
            `${CFG453}/SetPropSubCommandHandler.java:87-101,516-545`,
            `${CFG453}/CLIProfile.java:75-90, ${DJ453}:opendj-maven-plugin/src/main/resources/config/xml/org/forgerock/opendj/server/config/RootConfiguration.xml:44-92,405-410`,
        ),
    },
};


// ---------------------------------------------------------------------------------------------------------
// export-ldif / import-ldif (DirectoryBackup). Both are TaskTools: any connection argument makes them schedule a
// task over LDAPS on the administration connector (alwaysSSL = true, so no --useSSL/--useStartTLS). The task-
// scheduling options (--start, --recurringTask, --completionNotify, --errorNotify, --dependency,
// --failedDependencyAction) are not modelled: no script uses them (the stand-ins refuse them: stricter, never laxer).

/** The connection arguments a TaskTool registers (SecureConnectionCliArgs.createGlobalArguments, alwaysSSL). */
function taskConnection(source: string): OptionBlock {
    return {
        source,
        options: [
            "--hostname|-h <value>", "--port|-p <value>", "--bindDN|-D <value>", "--bindPassword|-w <value>", "--bindPasswordFile|-j <value>",
            "--saslOption|-o <value>", "--trustAll|-X", "--trustStorePath|-P <value>", "--trustStorePassword|-T <value>",
            "--trustStorePasswordFile|-U <value>", "--keyStorePath|-K <value>", "--keyStorePassword|-W <value>",
            "--keyStorePasswordFile|-u <value>", "--certNickname|-N <value>", "--connectTimeout <value>",
            "--propertiesFilePath <value>", "--noPropertiesFile", "--testIfOffline",
        ],
    };
}

const EXPORT_OPTIONS = [
    "--configFile|-f <value>", "--ldifFile|-l <value>", "--appendToLDIF|-a", "--backendID|-n <value>", "--includeBranch|-b <value>",
    "--excludeBranch|-B <value>", "--includeAttribute|-i <value>", "--excludeAttribute|-e <value>", "--includeFilter|-I <value>",
    "--excludeFilter|-E <value>", "--excludeOperational|-O", "--wrapColumn <value>", "--compress|-c", "--encryptLDIF|-y", "--signHash|-s",
    "--help|-H",
];
const IMPORT_OPTIONS = [
    "--configFile|-f <value>", "--ldifFile|-l <value>", "--templateFile|-A <value>", "--backendID|-n <value>", "--clearBackend|-F",
    "--includeBranch|-b <value>", "--excludeBranch|-B <value>", "--includeAttribute|-i <value>", "--excludeAttribute|-e <value>",
    "--includeFilter|-I <value>", "--excludeFilter|-E <value>", "--rejectFile|-R <value>", "--skipFile <value>", "--overwrite|-O",
    "--randomSeed|-s <value>", "--skipSchemaValidation|-S", "--threadCount <value>", "--tmpdirectory <value>", "--countRejects",
    "--isCompressed|-c", "--isEncrypted|-y", "--quiet|-Q", "--help|-H",
];

const LDIF_TOOLS_316: Record<string, ToolTable> = {
    "export-ldif": {
        source: `${DJ300}:opendj-server-legacy/resource/bin/export-ldif (org.opends.server.tools.ExportLDIF)`,
        trailing: false,
        global: [
            taskConnection(`${L300}/tools/tasks/TaskTool.java:107,131-175, ${L300}/admin/client/cli/SecureConnectionCliArgs.java:211-296`),
            // configClass is 3.0 only (hidden, still registered)
            { source: `${L300}/tools/ExportLDIF.java:176-304`, options: ["--configClass|-C <value>", ...EXPORT_OPTIONS] },
        ],
    },
    "import-ldif": {
        source: `${DJ300}:opendj-server-legacy/resource/bin/import-ldif (org.opends.server.tools.ImportLDIF)`,
        trailing: false,
        global: [
            taskConnection(`${L300}/tools/tasks/TaskTool.java:107,131-175, ${L300}/admin/client/cli/SecureConnectionCliArgs.java:211-296`),
            // skipDNValidation exists in 3.0 only (ImportLDIF.java:431)
            { source: `${L300}/tools/ImportLDIF.java:296-480`, options: ["--configClass|-C <value>", "--skipDNValidation", ...IMPORT_OPTIONS] },
        ],
    },
};

const LDIF_TOOLS_45: Record<string, ToolTable> = {
    "export-ldif": {
        source: `${DJ453}:opendj-server-legacy/resource/bin/export-ldif (org.opends.server.tools.ExportLDIF)`,
        trailing: false,
        global: [
            taskConnection(`${L453}/tools/tasks/TaskTool.java:94,136, ${L453}/admin/client/cli/SecureConnectionCliArgs.java:165-232`),
            { source: `${L453}/tools/ExportLDIF.java:144-240`, options: EXPORT_OPTIONS },
        ],
    },
    "import-ldif": {
        source: `${DJ453}:opendj-server-legacy/resource/bin/import-ldif (org.opends.server.tools.ImportLDIF)`,
        trailing: false,
        global: [
            taskConnection(`${L453}/tools/tasks/TaskTool.java:94,136, ${L453}/admin/client/cli/SecureConnectionCliArgs.java:165-232`),
            { source: `${L453}/tools/ImportLDIF.java:249-385`, options: IMPORT_OPTIONS },
        ],
    },
};

/** The tables, by Gluu version (profiles.ts keys). */
export const OPENDJ_OPTIONS: Readonly<Record<OpenDjTableVersion, Readonly<Record<string, ToolTable>>>> = Object.freeze({
    "3.1.6": { ...TABLE_316, ...LDIF_TOOLS_316 },
    "4.5": { ...TABLE_45, ...LDIF_TOOLS_45 },
});

/** The OpenDJ tools each version's table covers (4.5 has no dsjavaproperties). */
export function opendjTools(version: OpenDjTableVersion): string[] {
    return Object.keys(OPENDJ_OPTIONS[version]);
}

// ---------------------------------------------------------------------------------------------------------
// compiled form and the checker

interface CompiledOptions {
    /** lower-cased long name → takes a value */
    long: Record<string, boolean>;
    /** short id → takes a value */
    short: Record<string, boolean>;
}

export interface CompiledTool extends CompiledOptions {
    trailing: boolean;
    subcommands: Record<string, CompiledOptions> | null;
}

function compile(blocks: OptionBlock[]): CompiledOptions {
    const out: CompiledOptions = { long: {}, short: {} };
    for (const b of blocks) {
        for (const spec of b.options) {
            const m = /^--([A-Za-z0-9-]+)(?:\|-([A-Za-z0-9]))?( <value>)?$/.exec(spec);
            if (!m) throw new Error(`bad option spec ${JSON.stringify(spec)} (${b.source})`);
            const takesValue = m[3] !== undefined;
            const key = m[1].toLowerCase();
            if (key in out.long && out.long[key] !== takesValue) throw new Error(`--${m[1]} registered twice with different arity`);
            out.long[key] = takesValue;
            if (m[2]) out.short[m[2]] = takesValue;
        }
    }
    return out;
}

/** One version's tables in the form the checker reads (JSON-safe). */
export function compiledOptions(version: OpenDjTableVersion): Record<string, CompiledTool> {
    const out: Record<string, CompiledTool> = {};
    for (const [tool, t] of Object.entries(OPENDJ_OPTIONS[version])) {
        const subs = t.subcommands ? Object.fromEntries(Object.entries(t.subcommands).map(([n, b]) => [n, compile(b)])) : null;
        out[tool] = { ...compile(t.global), trailing: t.trailing, subcommands: subs };
    }
    return out;
}

/**
 * The checker the stand-ins run (python3; the stand-in containers bind-mount the host's /usr):
 * `opendj_argcheck(table, tool, argv)` returns None when `tool`'s parser accepts `argv`, else the reason.
 * `table` is `compiledOptions(version)`. The rules are those in the header of this file.
 */
export const OPENDJ_ARGCHECK_FN_PY = String.raw`
def opendj_argcheck(table, tool, argv):
    spec = table.get(tool)
    if spec is None:
        return '%s: this OpenDJ has no such tool' % tool
    longs = dict(spec['long'])
    shorts = dict(spec['short'])
    subs = spec['subcommands']
    sub = None
    i = 0
    while i < len(argv):
        a = argv[i]
        i += 1
        if a.startswith('--') and len(a) > 2:
            name, eq, _ = a[2:].partition('=')
            key = name.lower()
            if key not in longs:
                if key in ('help', 'version'):
                    continue
                return 'Argument "%s" is not allowed for %s%s (no argument with long ID "%s" is registered)' % (a, tool, ' ' + sub if sub else '', name)
            if longs[key] and not eq:
                if i >= len(argv):
                    return 'Argument "--%s" requires a value' % name
                i += 1
            elif eq and not longs[key]:
                return 'Argument "--%s" does not take a value' % name
        elif a.startswith('-') and len(a) > 1:
            j = 1
            while j < len(a):
                c = a[j]
                if c not in shorts:
                    return 'Argument "-%s" is not allowed for %s%s (no argument with short ID %s)' % (c, tool, ' ' + sub if sub else '', c)
                if shorts[c]:
                    if j == len(a) - 1:
                        if i >= len(argv):
                            return 'Argument "-%s" requires a value' % c
                        i += 1
                    break
                j += 1
        elif subs is not None and sub is None:
            if a not in subs:
                return '"%s" is not a %s subcommand' % (a, tool)
            sub = a
            longs.update(subs[a]['long'])
            shorts.update(subs[a]['short'])
        elif not spec['trailing']:
            return 'unexpected argument "%s" for %s' % (a, tool)
    if subs is not None and sub is None:
        return '%s needs a subcommand' % tool
    return None
`;

/** The checker as a program: `python3 -c "$OPENDJ_ARGCHECK_PY" TABLE_JSON TOOL ARG...`; exit 2 and the reason on stderr when refused. */
export const OPENDJ_ARGCHECK_PY = "import json, sys\n" + OPENDJ_ARGCHECK_FN_PY + String.raw`

if __name__ == '__main__':
    err = opendj_argcheck(json.loads(sys.argv[1]), sys.argv[2], sys.argv[3:])
    if err:
        sys.stderr.write(err + '\n')
        sys.exit(2)
`;

/**
 * Bash lines that hold a stand-in script to `version`'s table: the first thing a stand-in runs. `$0`'s base name
 * is the tool; on a refusal `refuse REASON` is called if the stand-in defines it, else the reason goes to stderr,
 * and the stand-in exits 89 (LDAP's client-side parameter error, what OpenDJ's tools return for bad arguments).
 */
export function opendjArgGateBash(version: OpenDjTableVersion): string {
    const table = JSON.stringify(compiledOptions(version));
    if (table.includes("'")) throw new Error("the options table must not contain a single quote");
    return [
        `# Gate: what Gluu ${version}'s $(basename "$0") registers (test/live/opendjOptions.ts, read from upstream source).`,
        `options_table='${table}'`,
        `argcheck_py=$(cat <<'ARGCHECK_EOF'`,
        OPENDJ_ARGCHECK_PY.trim(),
        `ARGCHECK_EOF`,
        `)`,
        `if ! why=$(/usr/bin/python3 -c "$argcheck_py" "$options_table" "$(basename "$0")" "$@" 2>&1); then`,
        `  if declare -F refuse >/dev/null; then refuse "OpenDJ (Gluu ${version}) refuses: $why"; fi`,
        `  echo "$(basename "$0") (stand-in, Gluu ${version}): OpenDJ refuses: $why" >&2`,
        `  exit 89`,
        `fi`,
    ].join("\n");
}
