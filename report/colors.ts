/** Renderers take a picocolors instance; the scripts decide whether it colours (a terminal, no NO_COLOR). */
import picocolors from 'picocolors';

export type Colors = ReturnType<typeof picocolors.createColors>;

/** No colour: every renderer's default. */
export const plain: Colors = picocolors.createColors(false);
