// CLI behind scripts/k8s/start.sh: starts the test cluster detached (it outlives this process),
// prints how to use it and records the run dir for scripts/k8s/stop.sh.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { startTestCluster } from '../../test/support/k8sCluster.ts';

const [stateFile, nodesArg] = process.argv.slice(2);
if (!stateFile) {
  console.error('usage: cluster.ts STATE_FILE [NODE_NAME,...]');
  process.exit(2);
}
const started = Date.now();
const cluster = await startTestCluster({
  detach: true,
  keepRunDir: true,
  nodeNames: nodesArg ? nodesArg.split(',') : undefined,
  log: (l) => console.error(`[k8s] ${l}`),
});
mkdirSync(dirname(stateFile), { recursive: true });
writeFileSync(stateFile, `${cluster.runDir}\n`);
console.error(`[k8s] up in ${((Date.now() - started) / 1000).toFixed(1)} s; logs and pids in ${cluster.runDir}`);
console.log(`export KUBECONFIG=${cluster.kubeconfigPath}`);
console.log(`export PATH=${cluster.binDir}:$PATH`);
