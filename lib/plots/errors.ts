/** A plotting input or environment problem, with what to do about it. */
export class PlotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlotError';
  }
}
