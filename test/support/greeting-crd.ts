// The Greeting CRD the custom-resource tests and the example operator use:
// a namespaced kind with a schema that exercises validation, defaults and
// pruning, the status and scale subresources and printer columns.
export const greetingCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "greetings.example.com" },
  spec: {
    group: "example.com",
    names: { plural: "greetings", singular: "greeting", kind: "Greeting", shortNames: ["gr"] },
    scope: "Namespaced",
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["message"],
                properties: {
                  message: { type: "string", minLength: 1, maxLength: 40 },
                  replicas: { type: "integer", minimum: 0, maximum: 10, default: 1 },
                  color: { type: "string", enum: ["red", "blue"] },
                  code: { type: "string", pattern: "^[a-z]+$" },
                  tags: { type: "array", maxItems: 3, items: { type: "string" } },
                  extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                },
              },
              status: {
                type: "object",
                properties: { readyReplicas: { type: "integer" }, observedGeneration: { type: "integer" }, message: { type: "string" } },
              },
            },
          },
        },
        subresources: { status: {}, scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.readyReplicas" } },
        additionalPrinterColumns: [
          { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
          { name: "Message", type: "string", jsonPath: ".spec.message" },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
      },
    ],
  },
};

export const greetingCrdYaml = JSON.stringify(greetingCrd);
