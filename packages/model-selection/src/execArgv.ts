/**
 * This process's Node flags a worker running built JavaScript can take: no export conditions (it resolves
 * packages to their `dist`), no `-e` script and no loaders (tsx). Also used by executor-bullmq's task threads.
 */
export function builtExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    // Export conditions (workers run `dist`), an `-e` script and loaders (tsx) stay with this thread.
    if (
      [
        '--conditions',
        '-C',
        '-e',
        '--eval',
        '-p',
        '--print',
        '--input-type',
        '--import',
        '--require',
        '-r',
        '--loader',
      ].includes(a)
    )
      i++;
    else if (!/^(--conditions|-C|--input-type|--eval|--print|--import|--require|--loader)=/.test(a))
      out.push(a);
  }
  return out;
}
