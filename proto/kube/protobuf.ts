// Kubernetes' protobuf encoding, decode only, for the objects kubectl 1.32's
// `create <kind>` generators send (`Content-Type:
// application/vnd.kubernetes.protobuf`): the "k8s\0" magic, a runtime.Unknown
// envelope, then the object. Field numbers are those of k8s.io/api's
// generated.proto for the fields the generators use; a field this table does
// not know is refused (never guessed), so the client can send JSON instead.

export class ProtobufDecodeError extends Error {}

type Scalar = "string" | "bytes" | "int" | "bool" | "time" | "intOrString" | "quantity" | "mapString" | "mapBytes" | "mapQuantity" | "ignore";
type FieldSpec = [name: string, type: Scalar | string, repeated?: true];
type MessageSpec = Record<number, FieldSpec>;

const meta: MessageSpec = {
  1: ["name", "string"],
  2: ["generateName", "string"],
  3: ["namespace", "string"],
  4: ["selfLink", "ignore"],
  5: ["uid", "string"],
  6: ["resourceVersion", "string"],
  7: ["generation", "int"],
  8: ["creationTimestamp", "time"],
  11: ["labels", "mapString"],
  12: ["annotations", "mapString"],
  13: ["ownerReferences", "OwnerReference", true],
  14: ["finalizers", "string", true],
};

const messages: Record<string, MessageSpec> = {
  ObjectMeta: meta,
  OwnerReference: { 1: ["kind", "string"], 3: ["name", "string"], 4: ["uid", "string"], 5: ["apiVersion", "string"], 6: ["controller", "bool"], 7: ["blockOwnerDeletion", "bool"] },
  LabelSelector: { 1: ["matchLabels", "mapString"], 2: ["matchExpressions", "LabelSelectorRequirement", true] },
  LabelSelectorRequirement: { 1: ["key", "string"], 2: ["operator", "string"], 3: ["values", "string", true] },
  Namespace: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "ignore"], 3: ["status", "ignore"] },
  ConfigMap: { 1: ["metadata", "ObjectMeta"], 2: ["data", "mapString"], 3: ["binaryData", "mapBytes"], 4: ["immutable", "bool"] },
  Secret: { 1: ["metadata", "ObjectMeta"], 2: ["data", "mapBytes"], 3: ["type", "string"], 4: ["stringData", "mapString"], 5: ["immutable", "bool"] },
  ServiceAccount: { 1: ["metadata", "ObjectMeta"], 3: ["imagePullSecrets", "LocalObjectReference", true], 4: ["automountServiceAccountToken", "bool"] },
  LocalObjectReference: { 1: ["name", "string"] },
  Service: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "ServiceSpec"], 3: ["status", "ignore"] },
  ServiceSpec: { 1: ["ports", "ServicePort", true], 2: ["selector", "mapString"], 3: ["clusterIP", "string"], 4: ["type", "string"], 5: ["externalIPs", "string", true], 7: ["sessionAffinity", "string"], 10: ["externalName", "string"] },
  ServicePort: { 1: ["name", "string"], 2: ["protocol", "string"], 3: ["port", "int"], 4: ["targetPort", "intOrString"], 5: ["nodePort", "int"] },
  Deployment: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "DeploymentSpec"], 3: ["status", "ignore"] },
  DeploymentSpec: { 1: ["replicas", "int"], 2: ["selector", "LabelSelector"], 3: ["template", "PodTemplateSpec"], 4: ["strategy", "DeploymentStrategy"], 5: ["minReadySeconds", "int"], 6: ["revisionHistoryLimit", "int"], 7: ["paused", "bool"], 9: ["progressDeadlineSeconds", "int"] },
  DeploymentStrategy: { 1: ["type", "string"] },
  PodTemplateSpec: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "PodSpec"] },
  PodSpec: {
    2: ["containers", "Container", true],
    3: ["restartPolicy", "string"],
    4: ["terminationGracePeriodSeconds", "int"],
    6: ["dnsPolicy", "string"],
    7: ["nodeSelector", "mapString"],
    8: ["serviceAccountName", "string"],
    10: ["nodeName", "string"],
    14: ["securityContext", "Empty"],
    19: ["schedulerName", "string"],
  },
  Container: {
    1: ["name", "string"],
    2: ["image", "string"],
    3: ["command", "string", true],
    4: ["args", "string", true],
    5: ["workingDir", "string"],
    6: ["ports", "ContainerPort", true],
    7: ["env", "EnvVar", true],
    8: ["resources", "ResourceRequirements"],
    13: ["terminationMessagePath", "string"],
    14: ["imagePullPolicy", "string"],
    20: ["terminationMessagePolicy", "string"],
  },
  ContainerPort: { 1: ["name", "string"], 2: ["hostPort", "int"], 3: ["containerPort", "int"], 4: ["protocol", "string"], 5: ["hostIP", "string"] },
  EnvVar: { 1: ["name", "string"], 2: ["value", "string"] },
  ResourceRequirements: { 1: ["limits", "mapQuantity"], 2: ["requests", "mapQuantity"] },
  Job: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "JobSpec"], 3: ["status", "ignore"] },
  JobSpec: { 1: ["parallelism", "int"], 2: ["completions", "int"], 3: ["activeDeadlineSeconds", "int"], 4: ["selector", "LabelSelector"], 5: ["manualSelector", "bool"], 6: ["template", "PodTemplateSpec"], 7: ["backoffLimit", "int"], 10: ["suspend", "bool"] },
  CronJob: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "CronJobSpec"], 3: ["status", "ignore"] },
  CronJobSpec: { 1: ["schedule", "string"], 2: ["startingDeadlineSeconds", "int"], 3: ["concurrencyPolicy", "string"], 4: ["suspend", "bool"], 5: ["jobTemplate", "JobTemplateSpec"], 6: ["successfulJobsHistoryLimit", "int"], 7: ["failedJobsHistoryLimit", "int"] },
  JobTemplateSpec: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "JobSpec"] },
  PodDisruptionBudget: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "PodDisruptionBudgetSpec"], 3: ["status", "ignore"] },
  PodDisruptionBudgetSpec: { 1: ["minAvailable", "intOrString"], 2: ["selector", "LabelSelector"], 3: ["maxUnavailable", "intOrString"], 4: ["unhealthyPodEvictionPolicy", "string"] },
  HorizontalPodAutoscaler: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "HorizontalPodAutoscalerSpec"], 3: ["status", "ignore"] },
  HorizontalPodAutoscalerSpec: { 1: ["scaleTargetRef", "CrossVersionObjectReference"], 2: ["minReplicas", "int"], 3: ["maxReplicas", "int"], 4: ["targetCPUUtilizationPercentage", "int"] },
  CrossVersionObjectReference: { 1: ["kind", "string"], 2: ["name", "string"], 3: ["apiVersion", "string"] },
  Empty: {},
};

/** Fields that are pointers in Go: a zero there was set on purpose. */
const pointerFields = new Set([
  "replicas",
  "revisionHistoryLimit",
  "progressDeadlineSeconds",
  "terminationGracePeriodSeconds",
  "activeDeadlineSeconds",
  "parallelism",
  "completions",
  "backoffLimit",
  "suspend",
  "manualSelector",
  "startingDeadlineSeconds",
  "successfulJobsHistoryLimit",
  "failedJobsHistoryLimit",
  "immutable",
  "automountServiceAccountToken",
  "controller",
  "blockOwnerDeletion",
  "minAvailable",
  "maxUnavailable",
  "minReplicas",
  "targetCPUUtilizationPercentage",
]);

const zeroTime = "zero-time";

/** The kinds whose protobuf form skiff decodes, by kind name. */
export const protobufKinds = new Set(["Namespace", "ConfigMap", "Secret", "ServiceAccount", "Service", "Deployment", "Job", "CronJob", "PodDisruptionBudget", "HorizontalPodAutoscaler"]);

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.buf.length) throw new ProtobufDecodeError("truncated varint");
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 63) throw new ProtobufDecodeError("varint too long");
    }
    // int64 fields carry negative numbers as ten-byte two's complement.
    return result >= 2 ** 63 ? result - 2 ** 64 : result;
  }

  bytes(): Uint8Array {
    const n = this.varint();
    if (n < 0 || this.pos + n > this.buf.length) throw new ProtobufDecodeError("truncated field");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new ProtobufDecodeError(`unsupported wire type ${wire}`);
  }
}

const text = new TextDecoder("utf-8", { fatal: true });

function fields(buf: Uint8Array, visit: (field: number, wire: number, r: Reader) => void): void {
  const r = new Reader(buf);
  while (!r.done()) {
    const tag = r.varint();
    visit(Math.floor(tag / 8), tag % 8, r);
  }
}

function mapEntry(buf: Uint8Array): [string, Uint8Array] {
  let key = "";
  let value: Uint8Array = new Uint8Array(0);
  fields(buf, (f, w, r) => {
    if (f === 1 && w === 2) key = text.decode(r.bytes());
    else if (f === 2 && w === 2) value = r.bytes();
    else r.skip(w);
  });
  return [key, value];
}

function stringField(buf: Uint8Array, field: number): string {
  let s = "";
  fields(buf, (f, w, r) => {
    if (f === field && w === 2) s = text.decode(r.bytes());
    else r.skip(w);
  });
  return s;
}

function decodeScalar(type: Scalar, wire: number, r: Reader, path: string): unknown {
  const want = (w: number): void => {
    if (wire !== w) throw new ProtobufDecodeError(`${path}: unexpected wire type ${wire}`);
  };
  switch (type) {
    case "string":
      want(2);
      return text.decode(r.bytes());
    case "bytes":
      want(2);
      return Buffer.from(r.bytes()).toString("base64");
    case "int":
      want(0);
      return r.varint();
    case "bool":
      want(0);
      return r.varint() !== 0;
    case "time": {
      want(2);
      let seconds = 0;
      fields(r.bytes(), (f, w, rr) => (f === 1 && w === 0 ? (seconds = rr.varint()) : rr.skip(w)));
      // Go's zero time (year 1) or an empty Timestamp: not set.
      if (seconds === 0 || seconds === -62135596800) return zeroTime;
      return new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    }
    case "intOrString": {
      want(2);
      let kind = 0;
      let intVal = 0;
      let strVal = "";
      fields(r.bytes(), (f, w, rr) => {
        if (f === 1 && w === 0) kind = rr.varint();
        else if (f === 2 && w === 0) intVal = rr.varint();
        else if (f === 3 && w === 2) strVal = text.decode(rr.bytes());
        else rr.skip(w);
      });
      return kind === 1 ? strVal : intVal;
    }
    case "quantity":
      want(2);
      return stringField(r.bytes(), 1);
    case "ignore":
      r.skip(wire);
      return undefined;
    default:
      throw new ProtobufDecodeError(`${path}: unknown type ${type}`);
  }
}

function decodeMessage(name: string, buf: Uint8Array, path: string): Record<string, unknown> {
  const spec = messages[name];
  if (spec === undefined) throw new ProtobufDecodeError(`${path}: no schema for ${name}`);
  const out: Record<string, unknown> = {};
  fields(buf, (field, wire, r) => {
    const f = spec[field];
    if (f === undefined) {
      // Go's encoder writes every non-pointer field, empty or not: an empty one says nothing.
      const start = r.pos;
      const empty = wire === 0 ? r.varint() === 0 : wire === 2 ? r.bytes().length === 0 : false;
      if (empty) return;
      r.pos = start;
      throw new ProtobufDecodeError(`${path === "" ? name : path}: field number ${field} is not one skiff decodes`);
    }
    const [key, type, repeated] = f;
    const at = path === "" ? key : `${path}.${key}`;
    let value: unknown;
    if (type === "mapString" || type === "mapBytes" || type === "mapQuantity") {
      if (wire !== 2) throw new ProtobufDecodeError(`${at}: unexpected wire type ${wire}`);
      const [k, v] = mapEntry(r.bytes());
      const map = (out[key] ??= {}) as Record<string, string>;
      map[k] = type === "mapString" ? text.decode(v) : type === "mapBytes" ? Buffer.from(v).toString("base64") : stringField(v, 1);
      return;
    }
    if (type in messages) {
      if (wire !== 2) throw new ProtobufDecodeError(`${at}: unexpected wire type ${wire}`);
      value = decodeMessage(type, r.bytes(), at);
    } else {
      value = decodeScalar(type as Scalar, wire, r, at);
    }
    // Go writes its non-pointer fields even when zero, and zero means unset there
    // (JSON's omitempty); only pointer fields carry a meaningful zero.
    if (value === undefined) return;
    if (repeated !== true && !pointerFields.has(key) && (value === "" || value === 0 || value === false || value === zeroTime)) return;
    if (repeated === true) ((out[key] ??= []) as unknown[]).push(value);
    else out[key] = value;
  });
  return out;
}

const magic = [0x6b, 0x38, 0x73, 0x00];

/** Decodes a Kubernetes protobuf body into the JSON form of the object. */
export function decodeKubernetesProtobuf(body: Uint8Array): Record<string, unknown> {
  if (body.length < 4 || magic.some((b, i) => body[i] !== b)) throw new ProtobufDecodeError("missing the k8s protobuf magic prefix");
  let apiVersion = "";
  let kind = "";
  let raw: Uint8Array = new Uint8Array(0);
  fields(body.subarray(4), (f, w, r) => {
    if (f === 1 && w === 2) {
      fields(r.bytes(), (tf, tw, tr) => {
        if (tf === 1 && tw === 2) apiVersion = text.decode(tr.bytes());
        else if (tf === 2 && tw === 2) kind = text.decode(tr.bytes());
        else tr.skip(tw);
      });
    } else if (f === 2 && w === 2) raw = r.bytes();
    else r.skip(w);
  });
  if (!protobufKinds.has(kind)) throw new ProtobufDecodeError(`skiff does not decode ${kind || "this kind"} from protobuf`);
  return { apiVersion, kind, ...decodeMessage(kind, raw, "") };
}
