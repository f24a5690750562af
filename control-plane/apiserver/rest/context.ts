// One request for a resource, as the router hands it to the handlers.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { User } from "../auth/auth.ts";
import type { ResourceType } from "../registry/types.ts";

export interface ResourceRequest {
  type: ResourceType;
  version: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
  user: User;
}

/** The Kubernetes verb of a request, for authorization and metrics. */
export function verbOf(method: string, name: string | undefined, query: URLSearchParams): string {
  switch (method) {
    case "GET":
    case "HEAD":
      if (name !== undefined) return "get";
      return query.get("watch") === "true" || query.get("watch") === "1" ? "watch" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return name === undefined ? "deletecollection" : "delete";
    default:
      return method.toLowerCase();
  }
}
