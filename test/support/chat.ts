import { openDatabase, type Database } from '../../src/store/database.ts';
import { Router } from '../../src/bot/router.ts';
import { getFlow, type LoadedFlow } from '../../src/flow/loader.ts';
import { OutboxSender } from '../../src/bot/sender.ts';
import { plainText, type View } from '../../src/bot/views.ts';
import type { Inbound } from '../../src/bot/messages.ts';

/** A router on a throwaway database, with a fixed clock, and a person who talks to it. */

export const TODAY = new Date('2026-11-21T09:00:00+08:00');

export interface ChatHarness {
  db: Database;
  router: Router;
  /** Send one message as the given user; returns the reply text delivered through the outbox ('' when nothing was sent). */
  say(text: string, options?: { user?: string; key?: string }): Promise<string>;
  /** Delivers what is waiting for `user` through the outbox now; the text delivered. */
  deliver(user?: string): Promise<string>;
  /** Round trips to the database of the last message: handling it, and delivering its reply. */
  lastTrips: { handle: number; delivery: number };
  /** Send several messages in turn as one user; returns the reply to the last. */
  sayAll(lines: string[], options?: { user?: string }): Promise<string>;
  /** The same, returning the views delivered. */
  views(text: string, options?: { user?: string; key?: string }): Promise<View[]>;
  /** Any message (a file, a button press, a sticker …) as the given user; the views delivered and the press's answer. */
  send(message: Partial<Inbound>, options?: { user?: string; key?: string }): Promise<{ views: View[]; ack?: string }>;
  close(): Promise<void>;
}

let counter = 0;

/**
 * `trusted` (default true): the test chats open units by typing their names, as the console's local user does; the
 * people tests turn it off to see invitations and roles at work.
 */
export async function openChat(options: { databaseUrl?: string; dataDir?: string; flows?: LoadedFlow[]; trusted?: boolean; now?: () => Date } = {}): Promise<ChatHarness> {
  const db = await openDatabase({ databaseUrl: options.databaseUrl, dataDir: options.dataDir ?? 'memory://' });
  const trusted = options.trusted ?? true;
  const router = new Router({ db, flows: options.flows ?? [getFlow('beijing-base-2023')], now: options.now ?? (() => TODAY), trusted: () => trusted });
  // Each chat's deliveries apart, so that several people talking at once each get their own replies.
  const inbox = new Map<string, View[][]>();
  const sender = new OutboxSender({
    sql: db.sql,
    channel: 'test',
    deliver: async (chat, views) => void inbox.get(chat)?.push(views),
  });
  const collect = async (user: string) => {
    const mine: View[][] = [];
    inbox.set(user, mine);
    try {
      await sender.drain(user);
    } finally {
      inbox.delete(user);
    }
    return mine;
  };
  const lastTrips = { handle: 0, delivery: 0 };
  const send = async (message: Partial<Inbound>, { user = 'operator-1', key }: { user?: string; key?: string } = {}) => {
    const start = db.sql.roundTrips;
    const { ack } = await router.handle({ channel: 'test', chatId: user, userId: user, idempotencyKey: key ?? `k-${process.pid}-${++counter}`, ...message });
    const handled = db.sql.roundTrips;
    const mine = await collect(user);
    Object.assign(lastTrips, { handle: handled - start, delivery: db.sql.roundTrips - handled });
    return { mine, ack };
  };
  const deliveries = async (text: string, options?: { user?: string; key?: string }) => (await send({ text }, options)).mine;
  const say = async (text: string, options?: { user?: string; key?: string }) => (await deliveries(text, options)).map(plainText).join('\n');
  return {
    db,
    router,
    lastTrips,
    views: async (text, options) => (await deliveries(text, options)).flat(),
    send: async (message, options) => {
      const { mine, ack } = await send(message, options);
      return { views: mine.flat(), ack };
    },
    deliver: async (user = 'operator-1') => (await collect(user)).map(plainText).join('\n'),
    say,
    async sayAll(lines, options) {
      let last = '';
      for (const line of lines) last = await say(line, options);
      return last;
    },
    close: () => db.close(),
  };
}

/** Answers for 【一】 of the Beijing base flow, in the order asked, for a base that meets every threshold there. */
export const SECTION_ONE = [
  '是', // 单位名称 = the directory's
  '首冶新元创新基地',
  '是', // 注册所在区 = the directory's
  '2015-06-01',
  '是', '是', '是',
  '张三',
  '否', '否', '否',
  '3', // 私营企业
  '否',
  '120', '40', '12', '9',
  '北京市昌平区科技园路1号',
  '跳过',
  '首钢集团，国有企业，60；某投资公司，私营企业，40',
  '20000', '12000', '8000', '4000', '6000', '800',
];
