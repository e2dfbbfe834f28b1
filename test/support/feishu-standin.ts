// A local stand-in for the Feishu (Lark) open platform, for integration tests that run the real
// @larksuiteoapi/node-sdk 1.74: its `Client` (REST) and its `WSClient` + `EventDispatcher` (long connection).
//
//   const standin = await startFeishuStandin();
//   const config = { appId: standin.appId, appSecret: standin.appSecret, domain: standin.domain };
//   const client = new Client(config);
//   const ws = new WSClient(config);
//   await ws.start({ eventDispatcher });            // resolves before connecting: wait for standin.connections() === 1
//   const user = standin.user();
//   const ack = await user.sendText('你好');        // im.message.receive_v1 over the long connection; resolves with the ack
//   await user.waitForMessages(1);                   // what the bot sent through im/v1/messages
//   ...
//   ws.close({ force: true }); await standin.close(); // close the WSClient first, or it keeps trying to reconnect
//
// One node:http server on 127.0.0.1 serves both:
// - REST (feishu-standin-rest.ts): tenant/app access token, im/v1 messages (create with 1 h `uuid` de-duplication,
//   reply, PATCH card update, PUT edit), message resources (download), files and images (multipart upload),
//   interactive/v1/card/update (delayed card update with a callback's token). Every call is recorded in `calls`
//   (secrets redacted, no file bytes); calls without `Authorization: Bearer <issued token>` fail with
//   99991661/99991663; unknown APIs answer HTTP 404 with the stand-in's own code 99991404.
// - the long connection (feishu-standin-ws.ts, frames in feishu-frames.ts): /callback/ws/endpoint and `/ws`.
// Error codes: FeishuCode in feishu-standin-http.ts. Types: feishu-standin-types.ts.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fail, randomHex, sendJson } from './feishu-standin-http.ts';
import { newFileKey, newImageKey, OpenApi } from './feishu-standin-rest.ts';
import type {
  BotMessage, CardCallbackResponse, DeliveryOptions, EventEnvelope, FeishuStandin, FeishuStandinOptions, FeishuUser, Person,
} from './feishu-standin-types.ts';
import { LongConnection, type Ack } from './feishu-standin-ws.ts';

export type * from './feishu-standin-types.ts';
export type { Ack, ClientConfig } from './feishu-standin-ws.ts';
export { FeishuCode, FeishuFailures } from './feishu-standin-http.ts';

export async function startFeishuStandin(options: FeishuStandinOptions = {}): Promise<FeishuStandin> {
  const appId = options.appId ?? `cli_${randomHex(16)}`;
  const appSecret = options.appSecret ?? randomHex(32);
  // Derived from the credentials, so that the SDK's process-wide token cache (keyed by app id) stays valid across
  // two stand-ins with the same app in one test file.
  const token = `t-${createHash('sha256').update(`feishu-standin:${appId}:${appSecret}`).digest('hex').slice(0, 40)}`;
  const tenantKey = randomHex(16);

  const ws: LongConnection = new LongConnection({
    clientConfig: { PingInterval: 30, ReconnectCount: -1, ReconnectInterval: 1, ReconnectNonce: 0, ...options.clientConfig },
    ackTimeoutMs: options.ackTimeoutMs ?? 5000,
    connectWaitMs: options.connectWaitMs ?? 5000,
    credentialsValid: (id, secret) => api.credentialsValid(id, secret),
  });
  const api = new OpenApi({ appId, appSecret, token, tenantKey, endpoint: (body, origin) => ws.endpoint(body, origin) });

  const server = createServer((req, res) => {
    api.handle(req, res, domain).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, fail(1, `feishu stand-in error: ${(error as Error).message}`, 500));
      else res.destroy();
    });
  });
  server.on('upgrade', (req, socket, head) => ws.upgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const domain = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function envelope(eventType: string, event: Record<string, unknown>, eventId: string, createTime: string): EventEnvelope {
    return {
      schema: '2.0',
      header: { event_id: eventId, token: '', create_time: createTime, event_type: eventType, tenant_key: tenantKey, app_id: appId },
      event,
    };
  }

  async function push(env: EventEnvelope): Promise<Ack> {
    const ack = await ws.push(env);
    return { ...ack, eventId: env.header.event_id };
  }

  const snapshot = (m: BotMessage): BotMessage => ({ ...m, updates: [...m.updates] });
  const messagesOf = (chatId: string): BotMessage[] => api.sent.filter((m) => m.chat_id === chatId).map(snapshot);

  function makeUser(person: Person): FeishuUser {
    const senderIds = { union_id: person.unionId, user_id: person.userId, open_id: person.openId };

    async function deliver(messageType: string, content: Record<string, unknown> | string, keys: string[], delivery: DeliveryOptions = {}): Promise<Ack> {
      const messageId = delivery.messageId ?? `om_${randomHex(32)}`;
      api.userMessages.set(messageId, person.chatId);
      const known = api.messageResources.get(messageId) ?? new Set<string>();
      for (const key of keys) known.add(key);
      api.messageResources.set(messageId, known);
      const now = String(Date.now());
      const ack = await push(envelope('im.message.receive_v1', {
        sender: { sender_id: senderIds, sender_type: 'user', tenant_key: tenantKey },
        message: {
          message_id: messageId,
          create_time: now,
          update_time: now,
          chat_id: person.chatId,
          chat_type: 'p2p',
          message_type: messageType,
          content: typeof content === 'string' ? content : JSON.stringify(content),
        },
      }, delivery.eventId ?? randomHex(32), now));
      return { ...ack, messageId };
    }

    return {
      ...person,
      sendText: (text, delivery) => deliver('text', { text }, [], delivery),
      async sendFile(file, delivery) {
        if (!file.bytes && file.size === undefined) throw new Error('sendFile needs bytes or size');
        const key = newFileKey();
        api.resources.set(key, { bytes: file.bytes, size: file.bytes?.length ?? file.size!, fileName: file.fileName, kind: 'file' });
        return deliver('file', { file_key: key, file_name: file.fileName }, [key], delivery);
      },
      async sendImage(image, delivery) {
        const key = newImageKey();
        api.resources.set(key, { bytes: image.bytes, size: image.bytes.length, kind: 'image' });
        return deliver('image', { image_key: key }, [key], delivery);
      },
      async sendRaw(messageType, content, delivery = {}) {
        for (const [key, bytes] of Object.entries(delivery.resources ?? {})) {
          api.resources.set(key, { bytes, size: bytes.length, kind: key.startsWith('img_') ? 'image' : 'file' });
        }
        return deliver(messageType, content, Object.keys(delivery.resources ?? {}), delivery);
      },
      async click(messageId, value, formValue, action) {
        const message = api.sentById.get(messageId);
        if (!message || message.chat_id !== person.chatId || message.msg_type !== 'interactive') {
          throw new Error(`feishu stand-in: ${messageId} is not a card the bot sent to ${person.name}`);
        }
        const cardToken = `c-${randomHex(40)}`;
        const tokenEntry = { messageId, uses: 0, answered: false, issued: Date.now() };
        api.cardTokens.set(cardToken, tokenEntry);
        const ack = await push(envelope('card.action.trigger', {
          operator: { tenant_key: tenantKey, ...senderIds },
          token: cardToken,
          action: { value, tag: 'button', ...(formValue ? { form_value: formValue } : {}), ...action },
          host: 'im_message',
          context: { open_message_id: messageId, open_chat_id: person.chatId },
        }, randomHex(32), String(Date.now() * 1000))) as Ack<CardCallbackResponse>;
        tokenEntry.answered = true;
        // What Feishu does with the callback's answer: a returned card replaces the clicked one at once.
        const card = ack.code === 200 ? ack.data?.card : undefined;
        if (card && typeof card === 'object') api.update(message, card.type === 'raw' ? card.data : card, 'callback');
        return ack;
      },
      messages: () => messagesOf(person.chatId),
      waitForMessages(count, timeoutMs = 5000) {
        return new Promise((resolve, reject) => {
          const check = (): boolean => {
            const now = messagesOf(person.chatId);
            if (now.length < count) return false;
            api.changes.off('change', check);
            clearTimeout(timer);
            resolve(now);
            return true;
          };
          const timer = setTimeout(() => {
            api.changes.off('change', check);
            const now = messagesOf(person.chatId);
            reject(new Error(`feishu stand-in: expected ${count} message(s) to ${person.name} within ${timeoutMs} ms, `
              + `got ${now.length}: ${JSON.stringify(now.map((m) => m.content))}`));
          }, timeoutMs);
          if (!check()) api.changes.on('change', check);
        });
      },
    };
  }

  return {
    domain,
    appId,
    appSecret,
    tenantAccessToken: token,
    calls: api.calls,
    uploads: api.uploads,
    sentMessages: () => api.sent.map(snapshot),
    user(userOptions = {}) {
      const existing = userOptions.openId ? api.people.get(userOptions.openId) : undefined;
      if (existing) return makeUser(existing);
      const person: Person = {
        openId: userOptions.openId ?? `ou_${randomHex(32)}`,
        userId: userOptions.userId ?? randomHex(8),
        unionId: userOptions.unionId ?? `on_${randomHex(32)}`,
        chatId: userOptions.chatId ?? `oc_${randomHex(32)}`,
        name: userOptions.name ?? `用户${api.people.size + 1}`,
      };
      api.people.set(person.openId, person);
      return makeUser(person);
    },
    push,
    failNext: (pattern, response, times = 1) => api.failNext(pattern, response, times),
    setEndpointFailure: (code) => ws.setEndpointFailure(code),
    setFragmentSize: (bytes) => ws.setFragmentSize(bytes),
    disconnectAll: () => ws.disconnectAll(),
    connections: () => ws.connections(),
    pings: () => ws.pings,
    async close() {
      ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
