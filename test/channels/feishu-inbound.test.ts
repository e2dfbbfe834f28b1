import { describe, expect, it } from 'vitest';
import { readMessage, type MessageEvent } from '../../src/channels/feishu/inbound.ts';

/** What each kind of Feishu message is to the assistant (content shapes as in 消息内容介绍). */

const event = (message_type: string, content: unknown): MessageEvent => ({
  sender: { sender_id: { open_id: 'ou_1' } },
  message: { message_id: 'om_abcdef123456', chat_id: 'oc_1', chat_type: 'p2p', message_type, content: typeof content === 'string' ? content : JSON.stringify(content) },
});

describe('Feishu messages', () => {
  it('takes text, and the words of a rich-text post (title first, images left out), in either post shape', () => {
    expect(readMessage(event('text', { text: ' 120万元 ' }))).toEqual({ kind: 'text', text: '120万元' });
    const body = { title: '营业收入', content: [[{ tag: 'text', text: '2023年 ' }, { tag: 'a', text: '1200万元', href: 'http://x' }], [{ tag: 'img', image_key: 'img_1' }], [{ tag: 'text', text: '（含税）' }]] };
    expect(readMessage(event('post', body))).toEqual({ kind: 'text', text: '营业收入\n2023年 1200万元\n\n（含税）' });
    expect(readMessage(event('post', { zh_cn: body }))).toEqual({ kind: 'text', text: '营业收入\n2023年 1200万元\n\n（含税）' });
  });

  it('turns files and images into resources to fetch, named', () => {
    expect(readMessage(event('file', { file_key: 'file_v2_1', file_name: '审计报告.pdf' }))).toEqual({ kind: 'file', resource: { messageId: 'om_abcdef123456', key: 'file_v2_1', type: 'file', name: '审计报告.pdf' } });
    expect(readMessage(event('image', { image_key: 'img_v2_1' }))).toMatchObject({ kind: 'file', resource: { key: 'img_v2_1', type: 'image' } });
  });

  it('names what it cannot take: stickers, audio, video, merged forwards, folders, locations, cards; ignores system messages', () => {
    const cases: [string, string][] = [['sticker', 'sticker'], ['audio', 'voice'], ['media', 'video'], ['merge_forward', 'forwarded'], ['folder', 'folder'], ['location', 'location'], ['interactive', 'other'], ['share_chat', 'contact']];
    for (const [type, what] of cases) expect(readMessage(event(type, { file_key: 'k' }))).toEqual({ kind: 'unsupported', what });
    expect(readMessage(event('system', {}))).toEqual({ kind: 'ignore' });
    expect(readMessage(event('text', 'not json'))).toEqual({ kind: 'unsupported', what: 'other' });
  });
});
