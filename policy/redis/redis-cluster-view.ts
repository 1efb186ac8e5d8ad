// A parsed, plain-JSON view of a Redis Cluster as one node sees it (CLUSTER NODES).
// Pure: the workflows compute slot plans from it, the activities read it, tests build it.

export const SLOT_COUNT = 16384;
export const MAX_SLOT = SLOT_COUNT - 1;

/** Inclusive slot range [first, last]. */
export type SlotRange = [number, number];

export interface ClusterNode {
  id: string;
  host: string;
  port: number;
  role: 'master' | 'replica';
  /** The master's id for a replica, otherwise null. */
  masterId: string | null;
  /** Slots this node serves, as sorted inclusive ranges. */
  slots: SlotRange[];
  /** Open slots as the reporting node sees them (only known for `myself`). */
  migrating: Array<{ slot: number; to: string }>;
  importing: Array<{ slot: number; from: string }>;
  /** fail, fail?, handshake, noaddr: a node in any of these states is not healthy. */
  failing: boolean;
  myself: boolean;
  /** The config epoch this view has for the node (CLUSTER NODES' seventh field). */
  configEpoch?: number;
}

export interface ClusterView {
  /** The node (host:port) whose CLUSTER NODES this is. */
  reportedBy: string;
  nodes: ClusterNode[];
}

export const NODE_ID_PATTERN = /^[0-9a-f]{40}$/;

/** Parses the text of CLUSTER NODES. Throws on a line it does not understand. */
export function parseClusterNodes(text: string, reportedBy: string): ClusterView {
  const nodes: ClusterNode[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const fields = line.split(' ');
    if (fields.length < 8) throw new Error(`CLUSTER NODES line has ${fields.length} fields, expected at least 8: ${line}`);
    const [id, address, flagText, master, , , epoch] = fields;
    const flags = flagText.split(',');
    // address is host:port@cport[,hostname]
    const hostPort = address.split('@')[0];
    const colon = hostPort.lastIndexOf(':');
    const node: ClusterNode = {
      id,
      host: hostPort.slice(0, colon),
      port: Number(hostPort.slice(colon + 1)),
      role: flags.includes('slave') ? 'replica' : 'master',
      masterId: master === '-' ? null : master,
      slots: [],
      migrating: [],
      importing: [],
      failing: flags.some((f) => f === 'fail' || f === 'fail?' || f === 'handshake' || f === 'noaddr'),
      myself: flags.includes('myself'),
      configEpoch: Number(epoch),
    };
    for (const spec of fields.slice(8)) {
      const open = /^\[(\d+)-([<>])-([0-9a-f]{40})\]$/.exec(spec);
      if (open) {
        const slot = Number(open[1]);
        if (open[2] === '>') node.migrating.push({ slot, to: open[3] });
        else node.importing.push({ slot, from: open[3] });
        continue;
      }
      const range = /^(\d+)(?:-(\d+))?$/.exec(spec);
      if (!range) throw new Error(`CLUSTER NODES slot field not understood: ${spec}`);
      node.slots.push([Number(range[1]), Number(range[2] ?? range[1])]);
    }
    node.slots.sort((a, b) => a[0] - b[0]);
    nodes.push(node);
  }
  nodes.sort((a, b) => a.port - b.port || a.id.localeCompare(b.id));
  return { reportedBy, nodes };
}

export function slotCount(ranges: SlotRange[]): number {
  return ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
}

export function expandRanges(ranges: SlotRange[]): number[] {
  const slots: number[] = [];
  for (const [a, b] of ranges) for (let s = a; s <= b; s++) slots.push(s);
  return slots;
}

/** Sorted, merged ranges for a list of slots. */
export function compressSlots(slots: number[]): SlotRange[] {
  const sorted = [...new Set(slots)].sort((a, b) => a - b);
  const ranges: SlotRange[] = [];
  for (const s of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === s - 1) last[1] = s;
    else ranges.push([s, s]);
  }
  return ranges;
}

export function masters(view: ClusterView): ClusterNode[] {
  return view.nodes.filter((n) => n.role === 'master' && !n.failing);
}

export function nodeById(view: ClusterView, id: string): ClusterNode | undefined {
  return view.nodes.find((n) => n.id === id);
}

export function address(node: Pick<ClusterNode, 'host' | 'port'>): string {
  return `${node.host}:${node.port}`;
}

/** owner[slot] = node id, or null for an uncovered slot. */
export function slotOwners(view: ClusterView): Array<string | null> {
  const owners: Array<string | null> = new Array(SLOT_COUNT).fill(null);
  for (const node of view.nodes) {
    if (node.role !== 'master') continue;
    for (const [a, b] of node.slots) for (let s = a; s <= b; s++) owners[s] = node.id;
  }
  return owners;
}

export interface CoverageProblem {
  code: 'SlotsUncovered' | 'SlotOpen' | 'NodeFailing';
  detail: string;
}

/** What keeps the cluster from being safe to change: uncovered slots, open slots, failing nodes. */
export function coverageProblems(views: ClusterView[]): CoverageProblem[] {
  const problems: CoverageProblem[] = [];
  for (const view of views) {
    const uncovered = slotOwners(view).reduce((n, o) => n + (o === null ? 1 : 0), 0);
    if (uncovered > 0)
      problems.push({ code: 'SlotsUncovered', detail: `${view.reportedBy} sees ${uncovered} of ${SLOT_COUNT} slots without an owner` });
    for (const node of view.nodes) {
      if (node.failing)
        problems.push({ code: 'NodeFailing', detail: `${view.reportedBy} sees ${address(node)} (${node.id}) as failing or in handshake` });
      if (!node.myself) continue;
      for (const m of node.migrating)
        problems.push({ code: 'SlotOpen', detail: `slot ${m.slot} is migrating on ${address(node)} to ${m.to}` });
      for (const i of node.importing)
        problems.push({ code: 'SlotOpen', detail: `slot ${i.slot} is importing on ${address(node)} from ${i.from}` });
    }
  }
  return problems;
}
