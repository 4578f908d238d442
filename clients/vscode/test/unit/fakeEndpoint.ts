// A JSON-RPC endpoint under the test's control: it records requests and lets the test
// push notifications and settle each request.
import { CancellationToken, Disposable, NotificationType, RequestType, ResponseError } from "vscode-languageserver-protocol";
import type { RpcEndpoint } from "../../src/chat";

export interface Sent {
  method: string;
  params: unknown;
  token?: CancellationToken;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class FakeEndpoint implements RpcEndpoint {
  readonly sent: Sent[] = [];
  private readonly handlers = new Map<string, Array<(p: unknown) => void>>();

  sendRequest<P, R>(type: RequestType<P, R, void>, params: P, token?: CancellationToken): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const entry: Sent = { method: type.method, params, token, resolve: resolve as (v: unknown) => void, reject };
      this.sent.push(entry);
      token?.onCancellationRequested(() => reject(new ResponseError(-32800, "Request cancelled")));
    });
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): Disposable {
    const list = this.handlers.get(type.method) ?? [];
    list.push(handler as (p: unknown) => void);
    this.handlers.set(type.method, list);
    return { dispose: () => list.splice(list.indexOf(handler as (p: unknown) => void), 1) };
  }

  notify(method: string, params: unknown): void {
    for (const h of this.handlers.get(method) ?? []) h(params);
  }
}
