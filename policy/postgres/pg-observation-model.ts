// The plan model (pg-plan.ts) as one observation of the cluster shows it. Safety-critical:
// the plan is resolved from this model, so a server counted as stopped or as following the
// wrong sender could let a plan promote a standby while another server still acknowledges
// writes. Every doubt therefore falls on the pessimistic side:
// - an unreachable server counts as running (it may still run, only we cannot see it);
// - an unreachable server counts as writable only when it is the published primary;
// - a standby follows a server only when its WAL receiver is streaming from that server's port;
// - the server this run fenced counts as stopped, writable and fenced.
// A model that breaks the plan's invariant is refused: no plan may start from it.
import type { ClusterObservation, ServerProbe } from './pg-cluster';
import { invariantProblems, type ClusterModel, type NodeModel } from './pg-plan';

export type ObservationModel =
  { ok: true; code: 'ModelReady'; model: ClusterModel } | { ok: false; code: 'InvariantBroken'; model: ClusterModel; problems: string[] };

function streamingFrom(server: ServerProbe, nameByPort: Map<number, string>): string | null {
  const receiver = server.walReceiver;
  if (receiver?.status !== 'streaming' || receiver.senderPort === null) return null;
  return nameByPort.get(receiver.senderPort) ?? null;
}

function nodeOf(server: ServerProbe, observation: ClusterObservation, fenced: string | null, nameByPort: Map<number, string>): NodeModel {
  if (server.name === fenced) return { name: server.name, running: false, writable: true, fenced: true, follows: null };
  return {
    name: server.name,
    running: true,
    writable: server.reachable ? server.inRecovery === false : observation.published?.primary.name === server.name,
    fenced: false,
    follows: server.reachable && server.inRecovery ? streamingFrom(server, nameByPort) : null,
  };
}

/** The plan model of `observation`. `fenced` names a server this run already fenced, or null. */
export function modelFromObservation(observation: ClusterObservation, fenced: string | null): ObservationModel {
  const nameByPort = new Map(observation.servers.map((s) => [s.port, s.name]));
  const model: ClusterModel = {
    nodes: observation.servers.map((s) => nodeOf(s, observation, fenced, nameByPort)),
    published: observation.published
      ? { primary: observation.published.primary.name, replicas: observation.published.replicas.map((r) => r.name) }
      : null,
    syncRestoredOn: null,
    caughtUp: null,
  };
  const problems = invariantProblems(model);
  return problems.length > 0 ? { ok: false, code: 'InvariantBroken', model, problems } : { ok: true, code: 'ModelReady', model };
}
