/**
 * Sending within a platform's limits: at most one message per `perChatMs` to one chat and `perSecond` in all
 * (Telegram: ~1/s per chat, ~30/s overall; Feishu: 5/s per chat, 50/s per app). The outbox sender sends one message at a
 * time, so waiting here is enough; a limit still hit is answered by the platform's retry-after (auto-retry).
 */
export class Pacer {
  private nextAny = 0;
  private readonly nextByChat = new Map<string, number>();

  constructor(private readonly limits: { perChatMs: number; perSecond: number }) {}

  /** Resolves when a message to `chatId` may go out, and counts it as sent then. */
  async wait(chatId: string): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextAny, this.nextByChat.get(chatId) ?? 0);
    this.nextAny = at + 1000 / this.limits.perSecond;
    this.nextByChat.set(chatId, at + this.limits.perChatMs);
    if (this.nextByChat.size > 10_000) this.forgetPast(now);
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }

  private forgetPast(now: number): void {
    for (const [chat, at] of this.nextByChat) if (at <= now) this.nextByChat.delete(chat);
  }
}
