// The 2-D DFT's power at every frequency by its defining double sum: an independent check
// of the spectral code (src/measure/perturb/dft.ts) and of the Fourier basis images.

/** |X(u, v)|² for u < h, v < w (row-major), of the h x w plane `x`. */
export function dftPower(x: ArrayLike<number>, h: number, w: number): Float64Array {
  const power = new Float64Array(h * w);
  for (let u = 0; u < h; u++)
    for (let v = 0; v < w; v++) {
      let re = 0;
      let im = 0;
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) {
          const a = -2 * Math.PI * ((u * i) / h + (v * j) / w);
          re += x[i * w + j]! * Math.cos(a);
          im += x[i * w + j]! * Math.sin(a);
        }
      power[u * w + v] = re * re + im * im;
    }
  return power;
}
