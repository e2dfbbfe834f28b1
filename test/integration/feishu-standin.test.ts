import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, EventDispatcher, LoggerLevel, WSClient } from '@larksuiteoapi/node-sdk';
import { FeishuFailures, startFeishuStandin, type FeishuStandin, type FeishuUser } from '../support/feishu-standin.ts';

/**
 * The Feishu stand-in, driven by the real @larksuiteoapi/node-sdk: WSClient + EventDispatcher over the long
 * connection (messages, card callbacks, acks, reconnects) and Client for sending, files and downloads.
 */

/** What `im.message.receive_v1` handlers receive: header and event flattened into one object. */
interface MessageEvent {
  event_id: string;
  event_type: string;
  sender: { sender_id: { open_id: string; user_id: string; union_id: string } };
  message: { message_id: string; chat_id: string; chat_type: string; message_type: string; content: string };
}

/** What `card.action.trigger` handlers receive (flattened; `token` is the card-update token). */
interface CardActionEvent {
  event_id: string;
  token: string;
  operator: { open_id: string };
  action: { value: Record<string, unknown>; tag: string; form_value?: Record<string, unknown> };
  context: { open_message_id: string; open_chat_id: string };
}

const CARD = {
  schema: '2.0',
  config: { update_multi: true },
  header: { title: { tag: 'plain_text', content: '基地类型 (1/12)' }, template: 'blue' },
  body: {
    elements: [
      { tag: 'markdown', content: '请选择贵单位的基地类型：' },
      { tag: 'button', text: { tag: 'plain_text', content: '创业孵化基地' }, type: 'primary',
        behaviors: [{ type: 'callback', value: { q: 'base_type', v: 'incubator', rev: 7 } }] },
    ],
  },
};
const ANSWERED_CARD = { schema: '2.0', config: { update_multi: true }, body: { elements: [{ tag: 'markdown', content: '已选择：创业孵化基地' }] } };

let standin: FeishuStandin;
let client: Client;
let wsClient: WSClient;
let dispatcher: EventDispatcher;
let user: FeishuUser;
const received: MessageEvent[] = [];
const clicks: CardActionEvent[] = [];
const errors: Error[] = [];

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  standin = await startFeishuStandin();
  // A quiet logger: `loggerLevel: LoggerLevel.fatal` (0) is falsy, so Client and EventDispatcher fall back to info.
  const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined, trace: () => undefined };
  const credentials = { appId: standin.appId, appSecret: standin.appSecret, domain: standin.domain, logger: quiet, loggerLevel: LoggerLevel.error };
  client = new Client(credentials);
  dispatcher = new EventDispatcher({ logger: quiet }).register({
    'im.message.receive_v1': async (data) => {
      const event = data as unknown as MessageEvent;
      received.push(event);
      const { message } = event;
      if (message.message_type !== 'text') return;
      const { text } = JSON.parse(message.content) as { text: string };
      if (text === 'boom') throw new Error('handler failed');
      const card = text === 'card';
      await client.im.v1.message.create({
        params: { receive_id_type: 'chat_id' },
        data: {
          receive_id: message.chat_id,
          msg_type: card ? 'interactive' : 'text',
          content: JSON.stringify(card ? CARD : { text: `echo: ${text.slice(0, 20)}` }),
          uuid: `reply-${message.message_id}`,
        },
      });
    },
    'card.action.trigger': async (data: CardActionEvent) => {
      clicks.push(data);
      return { toast: { type: 'success', content: '已选择' }, card: { type: 'raw', data: ANSWERED_CARD } };
    },
  });
  wsClient = new WSClient({ ...credentials, onError: (error) => errors.push(error) });
  await wsClient.start({ eventDispatcher: dispatcher });
  await waitFor(() => standin.connections() === 1);
  user = standin.user({ name: '张三' });
});

afterAll(async () => {
  wsClient?.close({ force: true });
  await standin?.close();
});

describe('Feishu stand-in with the real node-sdk', () => {
  it('delivers a text message and records the reply; a redelivered message sent with the same uuid shows once', async () => {
    const ack = await user.sendText('你好');
    expect(ack.code).toBe(200);
    const [reply] = await user.waitForMessages(1);
    expect(reply).toMatchObject({ msg_type: 'text', content: { text: 'echo: 你好' }, uuid: `reply-${ack.messageId}` });
    expect(wsClient.getConnectionStatus().state).toBe('connected');

    const event = received.at(-1)!;
    expect(event).toMatchObject({ event_type: 'im.message.receive_v1', event_id: ack.eventId });
    expect(event.message).toMatchObject({ message_id: ack.messageId, chat_type: 'p2p', chat_id: user.chatId });
    expect(event.sender.sender_id.open_id).toBe(user.openId);

    // Feishu redelivers the same message (same message_id, new event_id); the bot's send reuses the uuid.
    const again = await user.sendText('你好', { messageId: ack.messageId });
    expect(again.code).toBe(200);
    expect(again.eventId).not.toBe(ack.eventId);
    const sends = standin.calls.filter((c) => c.method === 'POST' && c.path === '/open-apis/im/v1/messages');
    expect(sends).toHaveLength(2);
    expect(sends[1].body).toMatchObject({ uuid: `reply-${ack.messageId}` });
    expect(user.messages()).toHaveLength(1);
  });

  it('answers a card click with the toast and card in the ack, and applies the card', async () => {
    await user.sendText('card');
    const messages = await user.waitForMessages(2);
    const card = messages[1];
    expect(card).toMatchObject({ msg_type: 'interactive', content: CARD });

    const ack = await user.click(card.message_id, { q: 'base_type', v: 'incubator', rev: 7 });
    expect(ack.code).toBe(200);
    expect(ack.data).toEqual({ toast: { type: 'success', content: '已选择' }, card: { type: 'raw', data: ANSWERED_CARD } });
    expect(ack.elapsedMs).toBeLessThan(3000);

    const click = clicks.at(-1)!;
    expect(click.action).toEqual({ value: { q: 'base_type', v: 'incubator', rev: 7 }, tag: 'button' });
    expect(click.context).toEqual({ open_message_id: card.message_id, open_chat_id: user.chatId });
    expect(click.operator.open_id).toBe(user.openId);
    expect(click.token).toMatch(/^c-/);

    const updated = user.messages()[1];
    expect(updated.content).toEqual(ANSWERED_CARD);
    expect(updated.updates.map((u) => u.via)).toEqual(['callback']);
  });

  it('serves a file the user sent through messageResource.get', async () => {
    const bytes = Buffer.from('PK\u0003\u0004 绩效表 bytes \u0000\u00ff');
    const ack = await user.sendFile({ fileName: '绩效表.xlsx', bytes });
    expect(ack.code).toBe(200);
    const { message } = received.at(-1)!;
    expect(message.message_type).toBe('file');
    const content = JSON.parse(message.content) as { file_key: string; file_name: string };
    expect(content.file_name).toBe('绩效表.xlsx');

    const resource = await client.im.v1.messageResource.get({
      path: { message_id: message.message_id, file_key: content.file_key },
      params: { type: 'file' },
    });
    const chunks: Buffer[] = [];
    for await (const chunk of resource.getReadableStream()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks)).toEqual(bytes);

    // A key from another message is refused (the error body is a stream: responseType 'stream').
    await expect(client.im.v1.messageResource.get({
      path: { message_id: received[0].message.message_id, file_key: content.file_key },
      params: { type: 'file' },
    })).rejects.toMatchObject({ response: { status: 400 } });
    expect(standin.calls.at(-1)).toMatchObject({ status: 400, code: 234003 });
  });

  it('records a file uploaded with file.create and sent as a file message', async () => {
    const bytes = Buffer.from('xlsx bytes');
    const uploaded = await client.im.v1.file.create({ data: { file_type: 'stream', file_name: '结果.xlsx', file: bytes } });
    expect(uploaded?.file_key).toMatch(/^file_v3_/);
    expect(standin.uploads.at(-1)).toMatchObject({ kind: 'file', key: uploaded!.file_key, file_type: 'stream', file_name: '结果.xlsx', bytes });
    expect(standin.calls.at(-1)?.body).toMatchObject({ file_type: 'stream', file_name: '结果.xlsx', file: { size: bytes.length } });

    const res = await client.im.v1.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: user.openId, msg_type: 'file', content: JSON.stringify({ file_key: uploaded!.file_key }), uuid: 'u-file-1' },
    });
    expect(res.code).toBe(0);
    expect(user.messages().at(-1)).toMatchObject({ message_id: res.data?.message_id, msg_type: 'file', content: { file_key: uploaded!.file_key } });
  });

  it('acks 500 when the handler throws, and reassembles fragmented events', async () => {
    expect((await user.sendText('boom')).code).toBe(500);
    standin.setFragmentSize(64);
    try {
      const ack = await user.sendText('分片'.repeat(100));
      expect(ack.code).toBe(200);
      expect(JSON.parse(received.at(-1)!.message.content)).toEqual({ text: '分片'.repeat(100) });
    } finally {
      standin.setFragmentSize(null);
    }
  });

  it('checks the token, answers unknown APIs with 404 and fails on demand', async () => {
    const anonymous = await fetch(`${standin.domain}/open-apis/im/v1/messages?receive_id_type=open_id`, { method: 'POST', body: '{}' });
    expect(await anonymous.json()).toMatchObject({ code: 99991661 });
    const forged = await fetch(`${standin.domain}/open-apis/im/v1/messages?receive_id_type=open_id`, {
      method: 'POST', body: '{}', headers: { authorization: 'Bearer t-forged' },
    });
    expect(await forged.json()).toMatchObject({ code: 99991663 });
    const unknown = await fetch(`${standin.domain}/open-apis/im/v9/nothing`, { headers: { authorization: `Bearer ${standin.tenantAccessToken}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 99991404 });
    // The token call's secret is not recorded.
    expect(JSON.stringify(standin.calls)).not.toContain(standin.appSecret);

    standin.failNext(/^\/open-apis\/im\/v1\/messages$/, FeishuFailures.rateLimited);
    const send = () => client.im.v1.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: user.openId, msg_type: 'text', content: JSON.stringify({ text: '限流' }), uuid: 'u-limited' },
    });
    await expect(send()).rejects.toMatchObject({ response: { status: 429, data: { code: 99991400 } } });
    const before = user.messages().length;
    expect((await send()).code).toBe(0);
    expect(user.messages()).toHaveLength(before + 1);
  });

  it('reconnects after the connection drops, and fails for good on a fatal endpoint code', async () => {
    const endpointCalls = () => standin.calls.filter((c) => c.path === '/callback/ws/endpoint').length;
    const before = endpointCalls();
    standin.disconnectAll();
    expect(standin.connections()).toBe(0);
    await waitFor(() => standin.connections() === 1 && wsClient.getConnectionStatus().state === 'connected');
    expect(endpointCalls()).toBe(before + 1); // a reconnect asks the endpoint for a fresh URL
    expect((await user.sendText('又连上了')).code).toBe(200);

    standin.setEndpointFailure(403);
    standin.disconnectAll();
    await waitFor(() => wsClient.getConnectionStatus().state === 'failed');
    expect(standin.connections()).toBe(0);
    expect(errors.at(-1)?.message).toContain('code=403');

    standin.setEndpointFailure(null);
    await wsClient.start({ eventDispatcher: dispatcher });
    await waitFor(() => standin.connections() === 1 && wsClient.getConnectionStatus().state === 'connected');
    expect((await user.sendText('恢复')).code).toBe(200);
  });
});
