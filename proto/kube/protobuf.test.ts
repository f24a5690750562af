import assert from "node:assert/strict";
import { test } from "node:test";
import { ProtobufDecodeError, decodeKubernetesProtobuf } from "./protobuf.ts";

// A minimal protobuf writer, enough to build the bodies kubectl sends.
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
};
const bytes = (field: number, data: number[] | string): number[] => {
  const b = typeof data === "string" ? [...Buffer.from(data)] : data;
  return [...varint(field * 8 + 2), ...varint(b.length), ...b];
};
const int = (field: number, n: number): number[] => [...varint(field * 8), ...varint(n)];
const entry = (field: number, k: string, v: string): number[] => bytes(field, [...bytes(1, k), ...bytes(2, v)]);
const envelope = (apiVersion: string, kind: string, raw: number[]): Uint8Array =>
  Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...bytes(1, [...bytes(1, apiVersion), ...bytes(2, kind)]), ...bytes(2, raw), ...bytes(3, ""), ...bytes(4, "")]);

test("a ConfigMap as kubectl create configmap sends it", () => {
  const metadata = [...bytes(1, "c1"), ...bytes(2, ""), ...bytes(3, ""), ...bytes(4, ""), ...int(7, 0), ...bytes(8, [])];
  const body = envelope("v1", "ConfigMap", [...bytes(1, metadata), ...entry(2, "a", "b"), ...entry(2, "c", "d")]);
  assert.deepEqual(decodeKubernetesProtobuf(body), { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c1" }, data: { a: "b", c: "d" } });
});

test("a Deployment: nested messages, repeated fields, pointer zeros kept, other zeros dropped", () => {
  const container = [...bytes(1, "app"), ...bytes(2, "demo:1"), ...bytes(3, "sh"), ...bytes(3, "-c"), ...bytes(6, [...int(3, 8080), ...int(2, 0), ...bytes(4, "TCP")]), ...bytes(8, [])];
  const template = [...bytes(1, [...entry(11, "app", "web")]), ...bytes(2, [...bytes(2, container), ...bytes(3, "")])];
  const spec = [...int(1, 0), ...bytes(2, entry(1, "app", "web")), ...bytes(3, template), ...bytes(4, []), ...int(5, 0)];
  const obj = decodeKubernetesProtobuf(envelope("apps/v1", "Deployment", [...bytes(1, bytes(1, "web")), ...bytes(2, spec), ...bytes(3, [])]));
  assert.deepEqual(obj, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "demo:1", command: ["sh", "-c"], ports: [{ containerPort: 8080, protocol: "TCP" }], resources: {} }] } },
      strategy: {},
    },
  });
});

test("a HorizontalPodAutoscaler as kubectl 1.32's autoscale sends it", () => {
  const ref = [...bytes(1, "Deployment"), ...bytes(2, "web"), ...bytes(3, "apps/v1")];
  const spec = [...bytes(1, ref), ...int(2, 1), ...int(3, 3), ...int(4, 50)];
  const obj = decodeKubernetesProtobuf(envelope("autoscaling/v1", "HorizontalPodAutoscaler", [...bytes(1, bytes(1, "web")), ...bytes(2, spec), ...bytes(3, [...int(3, 0), ...int(4, 0)])]));
  assert.deepEqual(obj, {
    apiVersion: "autoscaling/v1",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web" },
    spec: { scaleTargetRef: { kind: "Deployment", name: "web", apiVersion: "apps/v1" }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
  });
});

test("unknown fields with content, unknown kinds and bad framing are refused, not guessed", () => {
  assert.throws(() => decodeKubernetesProtobuf(envelope("v1", "ConfigMap", [...bytes(1, bytes(1, "x")), ...bytes(9, "surprise")])), ProtobufDecodeError);
  assert.throws(() => decodeKubernetesProtobuf(envelope("v1", "Pod", [])), ProtobufDecodeError);
  assert.throws(() => decodeKubernetesProtobuf(Uint8Array.from([1, 2, 3, 4])), ProtobufDecodeError);
  assert.throws(() => decodeKubernetesProtobuf(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x12, 0x50])), ProtobufDecodeError);
});
