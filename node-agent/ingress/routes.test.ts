import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Endpoints, V1Ingress, V1IngressClass, V1Service } from "@kubernetes/client-node";
import { isOurs, RouteTable } from "./routes.ts";

const svc = (name: string, port = 80, portName?: string): V1Service => ({ metadata: { name, namespace: "shop" }, spec: { ports: [{ port, ...(portName !== undefined ? { name: portName } : {}) }] } });
const eps = (name: string, ip: string, portName?: string): V1Endpoints => ({
  metadata: { name, namespace: "shop" },
  subsets: [{ addresses: [{ ip }], ports: [{ port: 8080, ...(portName !== undefined ? { name: portName } : {}) }] }],
});
const backend = (name: string) => ({ service: { name, port: { number: 80 } } });

const ingress: V1Ingress = {
  metadata: { name: "shop", namespace: "shop" },
  spec: {
    ingressClassName: "skiff",
    defaultBackend: backend("fallback"),
    rules: [
      {
        host: "shop.example.org",
        http: {
          paths: [
            { path: "/", pathType: "Prefix", backend: backend("front") },
            { path: "/api", pathType: "Prefix", backend: backend("api") },
            { path: "/api/health", pathType: "Exact", backend: backend("health") },
          ],
        },
      },
      { host: "*.example.org", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("wild") }] } },
    ],
  },
};
const names = ["fallback", "front", "api", "health", "wild"];
const table = new RouteTable([ingress], names.map((n) => svc(n)), names.map((n, i) => eps(n, `10.0.0.${i + 1}`)));
const pick = (host: string, path: string): string => {
  const r = table.resolve(host, path);
  return r.kind === "backend" ? r.service : "none";
};

test("host and path: the exact host before a wildcard, the longest path, Exact only on the exact path, Prefix by whole elements", () => {
  assert.equal(pick("shop.example.org", "/"), "shop/front");
  assert.equal(pick("shop.example.org:80", "/api"), "shop/api");
  assert.equal(pick("SHOP.example.org", "/api/orders"), "shop/api");
  assert.equal(pick("shop.example.org", "/apix"), "shop/front");
  assert.equal(pick("shop.example.org", "/api/health"), "shop/health");
  assert.equal(pick("shop.example.org", "/api/health/x"), "shop/api");
  assert.equal(pick("blog.example.org", "/anything"), "shop/wild");
  assert.equal(pick("a.b.example.org", "/"), "shop/fallback", "a wildcard covers one label");
  assert.equal(pick("other.test", "/"), "shop/fallback");
});

test("targets are the backend's ready endpoints on the Service port's target; no endpoints, no targets; nothing at all, none", () => {
  assert.deepEqual(table.resolve("shop.example.org", "/api"), { kind: "backend", service: "shop/api", targets: [{ ip: "10.0.0.3", port: 8080 }] });
  const named = new RouteTable(
    [{ metadata: { name: "n", namespace: "shop" }, spec: { rules: [{ http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { name: "http" } } } }] } }] } }],
    [svc("web", 80, "http")],
    [eps("web", "10.0.0.9", "http")],
  );
  assert.deepEqual(named.resolve("x", "/"), { kind: "backend", service: "shop/web", targets: [{ ip: "10.0.0.9", port: 8080 }] });
  assert.deepEqual(new RouteTable([ingress], [], []).resolve("shop.example.org", "/"), { kind: "backend", service: "shop/front", targets: [] });
  assert.deepEqual(new RouteTable([], [], []).resolve("x", "/"), { kind: "none" });
});

test("class: by name, or the default class for Ingresses without one; other controllers' classes are not ours", () => {
  const classes: V1IngressClass[] = [
    { metadata: { name: "skiff", annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } }, spec: { controller: "skiff.io/ingress" } },
    { metadata: { name: "nginx" }, spec: { controller: "k8s.io/ingress-nginx" } },
  ];
  assert.ok(isOurs(ingress, classes, "skiff.io/ingress"));
  assert.ok(isOurs({ spec: {} }, classes, "skiff.io/ingress"));
  assert.ok(!isOurs({ spec: { ingressClassName: "nginx" } }, classes, "skiff.io/ingress"));
  assert.ok(!isOurs({ spec: {} }, [classes[1]!], "skiff.io/ingress"));
});
