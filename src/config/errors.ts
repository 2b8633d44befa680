// Problems and warnings about a config file, each with the key's path and its place in the file.

/** A key path: object keys and list indexes, e.g. ['singleuser', 'profileList', 0, 'slug']. */
export type ConfigPath = readonly (string | number)[];

export interface ConfigProblem {
  /** The file as the user named it, or '<config>' for text without a file. */
  file: string;
  /** Dotted key path, e.g. 'singleuser.memory.limit' or 'singleuser.profileList[1].default'. */
  path: string;
  /** 1-based; 0 when the key is not in the file (e.g. a required key that is missing everywhere). */
  line: number;
  column: number;
  message: string;
}

export type ConfigWarningCode =
  | 'CONFIG_DEPRECATED' // an old z2jh spelling, folded into its new key
  | 'CONFIG_IGNORED' // a z2jh key nbhub accepts but does not act on
  | 'CONFIG_MAPPED' // a z2jh construct translated to an nbhub one
  | 'CONFIG_INCOMPLETE'; // valid, but something needed at run time is left to the environment

export interface ConfigWarning extends ConfigProblem {
  code: ConfigWarningCode;
}

export type ConfigErrorCode = 'CONFIG_INVALID' | 'CONFIG_UNREADABLE';

/** `file:line:col: path: message` (line and column left out when unknown). */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

export function formatWarning(w: ConfigWarning): string {
  return `${formatProblem(w)} [${w.code}]`;
}

/** Thrown by loadConfig with every problem found, in file order. */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly problems: readonly ConfigProblem[];
  /** Warnings found on the way (deprecated keys, …), for a complete report. */
  readonly warnings: readonly ConfigWarning[];

  constructor(problems: ConfigProblem[], code: ConfigErrorCode = 'CONFIG_INVALID', warnings: ConfigWarning[] = []) {
    const sorted = [...problems].sort(byPosition);
    super(sorted.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.code = code;
    this.problems = sorted;
    this.warnings = [...warnings].sort(byPosition);
  }

  override toString(): string {
    return this.message;
  }
}

export function byPosition(a: ConfigProblem, b: ConfigProblem): number {
  return a.line - b.line || a.column - b.column || a.path.localeCompare(b.path);
}

/** 'a.b[2].c'; keys that are not plain identifiers are quoted: annotations["x.io/y"]. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** What a load step found, before it is given a file position. */
export interface ConfigFinding {
  path: ConfigPath;
  /** Where to point in the file when `path` itself is not written there (defaults to `path`). */
  anchor?: ConfigPath;
  /** Point at the key (unknown or deprecated keys) or at its value (the default). */
  at?: 'key' | 'value';
  message: string;
  /** Set for warnings; a finding without it is an error. */
  warning?: ConfigWarningCode;
  /** A missing secret that a deployment may keep in a separate file (config check warns instead). */
  secret?: boolean;
}
