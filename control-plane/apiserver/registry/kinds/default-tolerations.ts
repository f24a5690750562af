// Kubernetes' DefaultTolerationSeconds admission: a new pod that does not
// tolerate node.kubernetes.io/not-ready or node.kubernetes.io/unreachable
// with NoExecute gets a toleration for each with tolerationSeconds, so the
// node lifecycle controller evicts it that long after its node goes silent.
// kube-apiserver's default is 300 s; skiff's is 2 s (with the controller
// manager's 4 s --node-monitor-grace-period: pods leave a dead node after
// about 6 s). Both are apiserver flags.

type Json = Record<string, unknown>;

export interface DefaultTolerationSeconds {
  notReady: number;
  unreachable: number;
}

export const skiffDefaultTolerationSeconds: DefaultTolerationSeconds = { notReady: 2, unreachable: 2 };

export const notReadyTaintKey = "node.kubernetes.io/not-ready";
export const unreachableTaintKey = "node.kubernetes.io/unreachable";

/** Whether a toleration already covers key with NoExecute (an empty key with Exists tolerates every taint). */
function covers(t: Json, key: string): boolean {
  const effect = t.effect;
  if (effect !== undefined && effect !== "" && effect !== "NoExecute") return false;
  if (t.key === undefined || t.key === "") return t.operator === "Exists";
  return t.key === key;
}

export function addDefaultTolerations(spec: unknown, seconds: DefaultTolerationSeconds): void {
  if (typeof spec !== "object" || spec === null) return;
  const s = spec as Json;
  const tolerations = Array.isArray(s.tolerations) ? (s.tolerations as Json[]) : [];
  const add = (key: string, tolerationSeconds: number): void => {
    if (tolerations.some((t) => covers(t, key))) return;
    tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds });
  };
  add(notReadyTaintKey, seconds.notReady);
  add(unreachableTaintKey, seconds.unreachable);
  s.tolerations = tolerations;
}
