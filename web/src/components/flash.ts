/** The class that flashes a row or card for its `touched`-th live change (none before the
 * first). Consecutive changes alternate between two animations of the same look: a new
 * animation name restarts the flash without mounting the element again, which would make the
 * list measure it again and the browser lay the page out again, for every change. */
export function flashClass(touched: number): string | undefined {
  if (touched <= 0) return undefined;
  return touched % 2 === 1 ? "animate-flash" : "animate-flash-again";
}
