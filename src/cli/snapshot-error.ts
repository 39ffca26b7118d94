// A snapshot file that cannot be used: every problem, each naming its field (exit 2).
export class SnapshotError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.length === 1 ? `invalid snapshot: ${problems[0] ?? ''}` : `invalid snapshot:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}
