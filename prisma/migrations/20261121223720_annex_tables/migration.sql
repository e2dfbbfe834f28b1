-- CreateTable
CREATE TABLE "DeclarationTable" (
    "declarationId" TEXT NOT NULL,
    "tableId" TEXT NOT NULL,
    "rows" JSONB NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedById" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeclarationTable_pkey" PRIMARY KEY ("declarationId","tableId")
);

-- CreateTable
CREATE TABLE "DeclarationTableHistory" (
    "id" TEXT NOT NULL,
    "declarationId" TEXT NOT NULL,
    "tableId" TEXT NOT NULL,
    "rows" JSONB NOT NULL,
    "version" INTEGER NOT NULL,
    "replacedById" TEXT,
    "replacedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeclarationTableHistory_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DeclarationTableHistory_declarationId_tableId_idx" ON "DeclarationTableHistory"("declarationId", "tableId");
