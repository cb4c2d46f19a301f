// kernels.wat as the optimizers declare their kernels (src/core/optim/kernel-table.ts), and the
// TypeScript interface of its exports. Used by scripts/build-kernels.ts; test/optim/simd.test.ts
// checks that the committed files are current.
import { kernelTable } from '../src/core/optim/kernel-table.ts';
import { kernelsInterface, moduleWat } from '../src/core/optim/simd/wat.ts';

export const kernelsWat = (): string => moduleWat(kernelTable());
export const kernelsTypes = (): string => kernelsInterface(kernelTable());
