// WAT -> wasm with wabt (a dev dependency: only the build script and its test use it).
import wabtInit from 'wabt';

export async function compileKernels(wat: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat('kernels.wat', wat, { simd: true });
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}
