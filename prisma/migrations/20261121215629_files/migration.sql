-- CreateTable
CREATE TABLE "StoredFile" (
    "id" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "mime" TEXT,
    "size" BIGINT NOT NULL,
    "channel" TEXT NOT NULL,
    "uploadedById" TEXT,
    "declarationId" TEXT,
    "evidenceId" TEXT,
    "questionId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StoredFile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvidenceMark" (
    "declarationId" TEXT NOT NULL,
    "evidenceId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "userId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EvidenceMark_pkey" PRIMARY KEY ("declarationId","evidenceId")
);

-- CreateIndex
CREATE INDEX "StoredFile_declarationId_evidenceId_idx" ON "StoredFile"("declarationId", "evidenceId");

-- CreateIndex
CREATE INDEX "StoredFile_sha256_idx" ON "StoredFile"("sha256");
