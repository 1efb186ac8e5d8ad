// Where a Worker finds the workflow code: shared by the worker entry point and the test workers,
// so both load the same bundle. It sits with the configuration every entry point reads.
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The prebuilt bundle when the build made one (fast start), otherwise the sources to bundle. */
export function workflowSource(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const bundle = path.resolve(__dirname, '..', 'workflow-bundle.js');
  if (existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: require.resolve('../workflows') };
}
