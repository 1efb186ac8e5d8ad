// The names every domain shares (../shared/DESIGN.md). Pure: used by workflows, workers, CLI and tests.
// Each domain's own IDs live in its contracts module: contracts/{scaling,routing,postgres,redis}.ts.

export const TASK_QUEUE = 'jarvis-scaling';
export const NAMESPACE = 'default';

/** Lowercase DNS-label style; it is safe in a container name, an nginx upstream name and a file name. */
export const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;
