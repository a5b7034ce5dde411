/** Startup configuration is wrong: one line per problem, each naming the variable. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';

  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
