// kubectl 1.32 and kubectl 1.20, each by its full path, against `skiff
// apiserver` on a 3-member skiff store: the everyday commands and their
// readable errors. Each version works in a namespace of its own.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { ApiServerProcess, kubectl120, kubectl132 } from "../support/apiserver.ts";
import { ControllerManagerProcess } from "../support/controller-manager.ts";

let api: ApiServerProcess;
// Namespace deletion needs the namespace controller (and the collector it relies on); no other controller runs here.
let manager: ControllerManagerProcess | undefined;
before(async () => {
  for (const bin of [kubectl132, kubectl120]) assert.ok(existsSync(bin), `${bin} is missing (.ci/run extracts Debian's kubernetes-client 1.20 into /opt/kubectl-1.20)`);
  api = await ApiServerProcess.start("skiff");
  manager = ControllerManagerProcess.launch(api.kubeconfig, ["--controllers=garbagecollector,namespace"]);
});
after(async () => {
  await manager?.kill();
  await api?.stop();
});

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`gave up waiting for ${what}`);
}

const deployment = (ns: string, image: string, extraEnv = ""): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: ${image}
        ports: [{containerPort: 8080, name: http}]
        env:
        - {name: A, value: "1"}${extraEnv}
`;

for (const [version, bin] of [
  ["1.32", kubectl132],
  ["1.20", kubectl120],
] as const) {
  describe(`kubectl ${version}`, () => {
    const ns = `k${version.replace(".", "")}`;
    const ok = (args: string[], input?: string): string => {
      const r = api.kubectl(bin, args, input);
      assert.equal(r.status, 0, `kubectl ${args.join(" ")} failed: ${r.stderr}`);
      return r.stdout;
    };
    const fails = (args: string[], input?: string): string => {
      const r = api.kubectl(bin, args, input);
      assert.notEqual(r.status, 0, `kubectl ${args.join(" ")} should have failed: ${r.stdout}`);
      return r.stderr;
    };

    test("discovery, version and the objects of a new cluster", () => {
      assert.match(ok(["version"]), /Server Version: (version\.Info\{.*GitVersion:"v1\.32\.0-skiff"|v1\.32\.0-skiff)/);
      const resources = ok(["api-resources"]);
      for (const line of [/^pods\s+po\s+v1\s+true\s+Pod$/m, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m, /^cronjobs\s+cj\s+batch\/v1\s+true\s+CronJob$/m, /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m]) {
        assert.match(resources, line);
      }
      const namespaces = ok(["get", "namespaces"]);
      for (const n of ["default", "kube-system", "kube-public", "kube-node-lease"]) assert.match(namespaces, new RegExp(`^${n}\\s+Active\\s+`, "m"));
      assert.match(ok(["get", "svc", "kubernetes", "-n", "default"]), /^kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s+/m);
      ok(["apply", "-f", "-"], `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`);
    });

    test("create generators (1.32 sends protobuf, 1.20 JSON without a Content-Type)", () => {
      const gen = `${ns}-gen`;
      assert.match(ok(["create", "namespace", gen]), new RegExp(`namespace/${gen} created`));
      ok(["-n", gen, "create", "configmap", "c1", "--from-literal=a=b", "--from-literal=c=d"]);
      ok(["-n", gen, "create", "secret", "generic", "s1", "--from-literal=pw=x"]);
      ok(["-n", gen, "create", "serviceaccount", "sa1"]);
      ok(["-n", gen, "create", "deployment", "web", "--image=demo:1", "--replicas=2"]);
      ok(["-n", gen, "create", "service", "nodeport", "web", "--tcp=80:8080"]);
      ok(["-n", gen, "create", "job", "j1", "--image=demo:1", "--", "echo", "hi"]);
      ok(["-n", gen, "create", "cronjob", "cj1", "--image=demo:1", "--schedule=*/1 * * * *"]);
      assert.equal(ok(["-n", gen, "get", "cm", "c1", "-o", "jsonpath={.data.a}{.data.c}"]), "bd");
      assert.equal(ok(["-n", gen, "get", "secret", "s1", "-o", "jsonpath={.type} {.data.pw}"]), "Opaque eA==");
      assert.equal(ok(["-n", gen, "get", "deploy", "web", "-o", "jsonpath={.spec.replicas} {.spec.selector.matchLabels.app} {.spec.template.spec.containers[0].name} {.spec.template.spec.containers[0].image}"]), "2 web demo demo:1");
      assert.match(ok(["-n", gen, "get", "svc", "web"]), /^web\s+NodePort\s+10\.96\.\d+\.\d+\s+<none>\s+80:300\d\d\/TCP\s+/m);
      assert.equal(ok(["-n", gen, "get", "job", "j1", "-o", "jsonpath={.spec.template.spec.containers[0].command}"]).replace(/\s/g, ""), '["echo","hi"]');
      assert.equal(ok(["-n", gen, "get", "cronjob", "cj1", "-o", "jsonpath={.spec.schedule}"]), "*/1 * * * *");
      assert.match(ok(["delete", "namespace", gen]), /deleted/);
    });

    test("apply twice: created, then unchanged; a changed manifest patches only what changed", () => {
      assert.match(ok(["apply", "-f", "-"], deployment(ns, "demo:1")), /deployment\.apps\/web created/);
      assert.match(ok(["apply", "-f", "-"], deployment(ns, "demo:1")), /deployment\.apps\/web unchanged/);
      // Someone else labels it; apply of a new image must keep that label (3-way merge).
      ok(["-n", ns, "label", "deploy/web", "owner=ops"]);
      assert.match(ok(["apply", "-f", "-"], deployment(ns, "demo:2", '\n        - {name: B, value: "2"}')), /deployment\.apps\/web configured/);
      const d = JSON.parse(ok(["-n", ns, "get", "deploy", "web", "-o", "json"])) as {
        metadata: { generation: number; annotations: Record<string, string>; labels: Record<string, string> };
        spec: { replicas: number; template: { spec: { containers: { image: string; env: { name: string }[] }[] } } };
      };
      assert.equal(d.spec.template.spec.containers[0]!.image, "demo:2");
      assert.deepEqual(d.spec.template.spec.containers[0]!.env.map((e) => e.name), ["A", "B"]);
      assert.equal(d.spec.replicas, 2);
      assert.deepEqual(d.metadata.labels, { app: "web", owner: "ops" });
      assert.equal(d.metadata.generation, 2, "labels do not bump the generation, a template change does");
      assert.ok("kubectl.kubernetes.io/last-applied-configuration" in d.metadata.annotations);
      // Removing an env var from the manifest removes it from the object.
      assert.match(ok(["apply", "-f", "-"], deployment(ns, "demo:2")), /configured/);
      assert.equal(ok(["-n", ns, "get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].env[*].name}"]), "A");
    });

    test("get: tables, -o wide|yaml|json|jsonpath, -l, --field-selector, -A, --sort-by", () => {
      const pods = ["b-pod", "a-pod"].map((n, i) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${n}, namespace: ${ns}, labels: {app: demo, tier: t${i}}}\nspec:\n  containers: [{name: c, image: demo:1}]\n`);
      ok(["apply", "-f", "-"], pods.join("---\n"));
      const table = ok(["-n", ns, "get", "pods"]);
      assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
      assert.match(table, /^a-pod\s+0\/1\s+Pending\s+0\s+\d+s$/m);
      assert.match(ok(["-n", ns, "get", "pods", "-o", "wide"]), /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m);
      assert.match(ok(["-n", ns, "get", "pod", "a-pod", "-o", "yaml"]), /^kind: Pod\n(.|\n)*^ {2}uid: [0-9a-f-]{36}$(.|\n)*^ {2}restartPolicy: Always$/m);
      assert.equal(ok(["-n", ns, "get", "pods", "-l", "tier in (t1)", "-o", "jsonpath={.items[*].metadata.name}"]), "a-pod");
      assert.equal(ok(["-n", ns, "get", "pods", "-l", "app=demo,tier!=t1", "-o", "jsonpath={.items[*].metadata.name}"]), "b-pod");
      assert.equal(ok(["-n", ns, "get", "pods", "-l", "!tier", "-o", "name"]), "");
      assert.equal(ok(["-n", ns, "get", "pods", "--field-selector", "metadata.name=b-pod", "-o", "name"]).trim(), "pod/b-pod");
      assert.equal(ok(["-n", ns, "get", "pods", "--field-selector", "status.phase=Pending,spec.nodeName=", "-o", "name"]).trim().split("\n").length, 2);
      assert.match(ok(["get", "pods", "-A"]), new RegExp(`^NAMESPACE\\s+NAME\\s+READY(.|\\n)*^${ns}\\s+a-pod\\s+0/1\\s+Pending`, "m"));
      const sorted = ok(["-n", ns, "get", "pods", "--sort-by=.metadata.name", "-o", "name"]).trim().split("\n");
      assert.deepEqual(sorted, ["pod/a-pod", "pod/b-pod"]);
      const all = ok(["-n", ns, "get", "all"]);
      assert.match(all, /pod\/a-pod/);
      assert.match(all, /deployment\.apps\/web\s+0\/2\s+0\s+0\s+/);
      assert.match(ok(["-n", ns, "get", "deploy", "-o", "wide"]), /^web\s+0\/2\s+0\s+0\s+\d+s\s+app\s+demo:2\s+app=web$/m);
    });

    test("label, annotate, patch (merge, json, strategic), scale, set image", () => {
      assert.match(ok(["-n", ns, "label", "pod", "a-pod", "color=blue"]), /pod\/a-pod labeled/);
      assert.match(ok(["-n", ns, "annotate", "pod", "a-pod", "note=hello"]), /pod\/a-pod annotated/);
      assert.equal(ok(["-n", ns, "get", "pod", "a-pod", "-o", "jsonpath={.metadata.labels.color} {.metadata.annotations.note}"]), "blue hello");
      assert.match(ok(["-n", ns, "label", "pod", "a-pod", "color-"]), /unlabeled|labeled/);
      ok(["-n", ns, "patch", "pod", "a-pod", "--type=merge", "-p", '{"metadata":{"labels":{"m":"1"}}}']);
      ok(["-n", ns, "patch", "pod", "a-pod", "--type=json", "-p", '[{"op":"add","path":"/metadata/labels/j","value":"2"}]']);
      ok(["-n", ns, "patch", "deploy", "web", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"demo:3"}]}}}}']);
      assert.equal(ok(["-n", ns, "get", "pod", "a-pod", "-o", "jsonpath={.metadata.labels.m}{.metadata.labels.j}{.metadata.labels.color}"]), "12");
      assert.equal(ok(["-n", ns, "get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env[0].name}"]), "demo:3 A");
      assert.match(ok(["-n", ns, "scale", "deploy", "web", "--replicas=5"]), /scaled/);
      assert.match(ok(["-n", ns, "scale", "deploy", "web", "--current-replicas=5", "--replicas=1"]), /scaled/);
      assert.match(ok(["-n", ns, "set", "image", "deploy/web", "app=demo:4"]), /image updated/);
      assert.equal(ok(["-n", ns, "get", "deploy", "web", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}"]), "1 demo:4");
      assert.match(ok(["-n", ns, "describe", "deploy", "web"]), /Replicas:\s+1 desired/);
    });

    test("readable errors: invalid manifests, missing objects and namespaces, conflicts, duplicates, forbidden", () => {
      const bad = `apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name, namespace: ${ns}}\nspec:\n  containers: [{name: c, image: ""}, {name: c, image: x, ports: [{containerPort: 70000}]}]\n`;
      const invalid = fails(["apply", "-f", "-"], bad);
      assert.match(invalid, /The Pod "Bad_Name" is invalid/);
      assert.match(invalid, /metadata\.name: Invalid value: "Bad_Name"/);
      assert.match(invalid, /spec\.containers\[0\]\.image: Required value/);
      assert.match(invalid, /spec\.containers\[1\]\.name: Duplicate value: "c"/);
      assert.match(invalid, /spec\.containers\[1\]\.ports\[0\]\.containerPort: Invalid value: 70000/);
      assert.match(fails(["-n", ns, "get", "pod", "nope"]), /Error from server \(NotFound\): pods "nope" not found/);
      assert.match(fails(["-n", ns, "get", "deploy", "nope"]), /deployments\.apps "nope" not found/);
      assert.match(fails(["apply", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: nowhere}\n"), /namespaces "nowhere" not found/);
      const pod = `apiVersion: v1\nkind: Pod\nmetadata: {name: dup, namespace: ${ns}}\nspec:\n  containers: [{name: c, image: x}]\n`;
      ok(["create", "-f", "-"], pod);
      assert.match(fails(["create", "-f", "-"], pod), /\(AlreadyExists\).*pods "dup" already exists/);
      // A replace carrying a stale resourceVersion is a conflict.
      const stale = JSON.parse(ok(["-n", ns, "get", "pod", "dup", "-o", "json"])) as { metadata: { labels?: Record<string, string> } };
      ok(["-n", ns, "label", "pod", "dup", "x=1"]);
      stale.metadata.labels = { y: "2" };
      assert.match(fails(["replace", "-f", "-"], JSON.stringify(stale)), /\(Conflict\).*the object has been modified/);
      const denied = fails(["--context", "skiff-viewer", "-n", ns, "delete", "pod", "dup"]);
      assert.match(denied, /\(Forbidden\).*User "skiff-viewer" cannot delete resource "pods"/);
      assert.match(ok(["--context", "skiff-viewer", "-n", ns, "get", "pods", "dup", "-o", "name"]), /pod\/dup/);
      assert.match(fails(["-n", ns, "get", "frobnicators"]), /the server doesn't have a resource type "frobnicators"/);
    });

    test("get -w shows changes as they happen", async () => {
      const w = api.kubectlBackground(bin, ["-n", ns, "get", "configmaps", "-w"]);
      try {
        ok(["apply", "-f", "-"], `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched, namespace: ${ns}}\ndata: {a: "1"}\n`);
        await until("the watched configmap in kubectl get -w", () => /^watched\s+1\s+/m.test(w.output()));
        ok(["-n", ns, "patch", "configmap", "watched", "--type=merge", "-p", '{"data":{"b":"2"}}']);
        await until("the modified configmap in kubectl get -w", () => /^watched\s+2\s+/m.test(w.output()));
      } finally {
        await w.stop();
      }
    });

    const manifests = [
      `apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: ${ns}}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n`,
      `apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: ${ns}}\nstringData: {password: hunter2}\n`,
      `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa, namespace: ${ns}}\n`,
      `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: ${ns}}\nspec:\n  serviceName: db\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: db, image: demo:1}]}\n`,
      `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: ${ns}}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec: {containers: [{name: a, image: demo:1}]}\n`,
      `apiVersion: batch/v1\nkind: Job\nmetadata: {name: once, namespace: ${ns}}\nspec:\n  template:\n    spec: {restartPolicy: Never, containers: [{name: j, image: demo:1}]}\n`,
      `apiVersion: batch/${version === "1.20" ? "v1beta1" : "v1"}\nkind: CronJob\nmetadata: {name: tick, namespace: ${ns}}\nspec:\n  schedule: "*/5 * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec: {restartPolicy: OnFailure, containers: [{name: j, image: demo:1}]}\n`,
      `apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: lock, namespace: ${ns}}\nspec: {holderIdentity: me}\n`,
      `apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs1, namespace: ${ns}}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: rs1}}\n  template:\n    metadata: {labels: {app: rs1}}\n    spec: {containers: [{name: a, image: demo:1}]}\n`,
      `apiVersion: v1\nkind: Endpoints\nmetadata: {name: web, namespace: ${ns}}\nsubsets: [{addresses: [{ip: 10.244.1.5}], ports: [{port: 8080}]}]\n`,
      `apiVersion: v1\nkind: Event\nmetadata: {name: e1, namespace: ${ns}}\ninvolvedObject: {kind: Pod, name: a-pod, namespace: ${ns}}\nreason: Tested\ntype: Normal\nmessage: hello from the test\n`,
      `apiVersion: v1\nkind: Node\nmetadata: {name: node-${ns}, labels: {node-role.kubernetes.io/worker: ""}}\nspec: {}\n`,
    ];

    test("every kind can be created and listed", () => {
      const out = ok(["apply", "-f", "-"], manifests.join("---\n"));
      for (const what of ["service/web", "secret/s", "serviceaccount/sa", "statefulset.apps/db", "daemonset.apps/agent", "job.batch/once", "cronjob.batch/tick", "lease.coordination.k8s.io/lock"]) {
        assert.match(out, new RegExp(`${what.replace(".", "\\.")} created`));
      }
      assert.match(ok(["-n", ns, "get", "svc", "web"]), /^web\s+NodePort\s+10\.96\.\d+\.\d+\s+<none>\s+80:300\d\d\/TCP\s+/m);
      assert.equal(ok(["-n", ns, "get", "secret", "s", "-o", "jsonpath={.data.password}"]), Buffer.from("hunter2").toString("base64"));
      assert.match(ok(["-n", ns, "get", "cronjobs"]), /^tick\s+\*\/5 \* \* \* \*\s+False\s+0\s+<none>\s+/m);
      assert.match(ok(["-n", ns, "get", "lease", "lock"]), /^lock\s+me\s+/m);
      assert.match(ok(["-n", ns, "get", "rs", "rs1"]), /^rs1\s+2\s+0\s+0\s+/m);
      assert.match(ok(["-n", ns, "get", "endpoints", "web"]), /^web\s+10\.244\.1\.5:8080\s+/m);
      assert.match(ok(["-n", ns, "get", "events"]), /Normal\s+Tested\s+pod\/a-pod\s+hello from the test/);
      assert.match(ok(["get", "nodes"]), new RegExp(`^NAME\\s+STATUS\\s+ROLES\\s+AGE\\s+VERSION\n(.|\n)*^node-${ns}\\s+Unknown\\s+worker\\s+`, "m"));
      assert.match(ok(["cordon", `node-${ns}`]), /cordoned/);
      assert.match(ok(["get", "node", `node-${ns}`]), /Unknown,SchedulingDisabled/);
    });

    test("every kind: describe, label, annotate, patch, scale, get -w", async () => {
      const objects = ["pod/a-pod", "configmap/watched", "deployment/web", "service/web", "secret/s", "serviceaccount/sa", "statefulset/db", "daemonset/agent", "job/once", "cronjob/tick", "lease/lock", "replicaset/rs1", "endpoints/web", "event/e1"];
      const clusterWide = [`node/node-${ns}`, `namespace/${ns}`];
      // A watched object's rows in `get -w`: they start with its name (an Event's with its age).
      const rowOf = (object: string): RegExp => (object.startsWith("event/") ? /\sTested\s+pod\/a-pod\s/g : new RegExp(`^${object.split("/")[1]!}\\s`, "gm"));
      // One `get -w` per kind, started before the changes below, each must show its object change.
      const watches = [...objects, ...clusterWide].map((o) => {
        const kind = o.split("/")[0]!;
        return { o, w: api.kubectlBackground(bin, clusterWide.includes(o) ? ["get", kind, "-w"] : ["-n", ns, "get", kind, "-w"]) };
      });
      try {
        await until("every get -w to list its object", () => watches.every(({ o, w }) => (w.output().match(rowOf(o)) ?? []).length >= 1));
        const described = ok(["-n", ns, "describe", ...objects]) + ok(["describe", ...clusterWide]);
        for (const o of [...objects, ...clusterWide]) assert.match(described, new RegExp(`^Name:\\s+${o.split("/")[1]!}$`, "m"), `describe ${o}`);
        assert.match(described, /Replicas:\s+1 desired/);
        assert.match(described, /Schedule:\s+\*\/5 \* \* \* \*/);
        assert.match(described, /Holder Identity:\s+me|HolderIdentity:\s+me|holderIdentity:\s+me/i);
        assert.match(ok(["-n", ns, "label", ...objects, "touched=yes"]), /event\/e1 labeled/);
        assert.match(ok(["label", ...clusterWide, "touched=yes"]), new RegExp(`namespace/${ns} labeled`));
        assert.match(ok(["-n", ns, "annotate", ...objects, "remark=hi"]), /lease\.coordination\.k8s\.io\/lock annotated/);
        ok(["annotate", ...clusterWide, "remark=hi"]);
        for (const o of objects) assert.match(ok(["-n", ns, "patch", o, "-p", '{"metadata":{"annotations":{"patched":"yes"}}}']), /patched/, o);
        for (const o of clusterWide) assert.match(ok(["patch", o, "-p", '{"metadata":{"annotations":{"patched":"yes"}}}']), /patched/, o);
        assert.match(ok(["-n", ns, "scale", "deployment/web", "replicaset/rs1", "statefulset/db", "--replicas=3"]), /statefulset\.apps\/db scaled/);
        assert.equal(ok(["-n", ns, "get", "deploy/web", "rs/rs1", "sts/db", "-o", "jsonpath={.items[*].spec.replicas}"]), "3 3 3");
        const seen = ok(["-n", ns, "get", ...objects, "-o", 'jsonpath={range .items[*]}{.metadata.labels.touched}{.metadata.annotations.remark}{.metadata.annotations.patched}{" "}{end}']);
        assert.equal(seen.trim(), Array.from({ length: objects.length }, () => "yeshiyes").join(" "));
        assert.equal(ok(["get", ...clusterWide, "-o", 'jsonpath={range .items[*]}{.metadata.labels.touched}{.metadata.annotations.patched}{" "}{end}']).trim(), "yesyes yesyes");
        await until("every get -w to show its object changed", () => watches.every(({ o, w }) => (w.output().match(rowOf(o)) ?? []).length >= 2));
      } finally {
        await Promise.all(watches.map(({ w }) => w.stop()));
      }
    });

    test("delete waits for the object to go", () => {
      assert.match(ok(["delete", "-f", "-"], manifests.join("---\n")), /service "web" deleted/);
      assert.match(ok(["-n", ns, "delete", "pod", "a-pod", "b-pod", "dup"]), /pod "a-pod" deleted/);
      assert.equal(ok(["-n", ns, "get", "pods", "-o", "name"]), "");
      assert.match(ok(["delete", "namespace", ns]), new RegExp(`namespace "${ns}" deleted`));
      assert.match(fails(["get", "namespace", ns]), /NotFound/);
      assert.match(fails(["delete", "namespace", "default"]), /this namespace may not be deleted/);
    });
  });
}
