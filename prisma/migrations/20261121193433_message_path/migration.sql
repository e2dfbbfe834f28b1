-- AlterTable
ALTER TABLE "ChatIdentity" ADD COLUMN     "chatId" TEXT;

-- AlterTable
ALTER TABLE "ProcessedMessage" DROP COLUMN "reply";

-- CreateTable
CREATE TABLE "OperatorCursor" (
    "userId" TEXT NOT NULL,
    "declarationId" TEXT NOT NULL,
    "sectionId" TEXT,
    "snapshots" JSONB NOT NULL DEFAULT '{}',
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OperatorCursor_pkey" PRIMARY KEY ("userId","declarationId")
);

-- CreateTable
CREATE TABLE "Outbox" (
    "id" BIGSERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "inboundKey" TEXT,
    "views" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),
    "leasedUntil" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,

    CONSTRAINT "Outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Outbox_channel_sentAt_chatId_id_idx" ON "Outbox"("channel", "sentAt", "chatId", "id");

-- AddForeignKey
ALTER TABLE "OperatorCursor" ADD CONSTRAINT "OperatorCursor_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OperatorCursor" ADD CONSTRAINT "OperatorCursor_declarationId_fkey" FOREIGN KEY ("declarationId") REFERENCES "Declaration"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Conversations under way keep their place: whoever has a declaration open takes its sections' snapshots.
INSERT INTO "OperatorCursor" ("userId", "declarationId", "sectionId", "snapshots")
SELECT DISTINCT ci."userId", d."id", d."currentSectionId",
    COALESCE((SELECT jsonb_object_agg(sp."sectionId", sp."snapshot") FROM "SectionProgress" sp
              WHERE sp."declarationId" = d."id" AND sp."snapshot" IS NOT NULL), '{}'::jsonb)
FROM "ChatIdentity" ci JOIN "Declaration" d ON d."id" = ci."activeDeclarationId";
