// kernels.wat as the optimizers declare their kernels (src/optim/kernel-table.ts), and the
// TypeScript interface of its exports. Used by scripts/build-kernels.ts; test/optim/simd.test.ts
// checks that the committed files are current.
import { kernelTable } from '../src/optim/kernel-table.ts';
import { kernelsInterface, moduleWat } from '../src/optim/simd/wat.ts';

export const kernelsWat = (): string => moduleWat(kernelTable());
export const kernelsTypes = (): string => kernelsInterface(kernelTable());
