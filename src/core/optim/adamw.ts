// AdamW (Loshchilov & Hutter 2019): Adam with weight decay decoupled from the
// gradient, p *= 1 - lr·wd before the Adam step; torch's default wd is 1e-2.
import { adamFamily } from './adam.ts';

export const adamw = adamFamily('adamw', 'Adam with decoupled weight decay', true, 1e-2);
