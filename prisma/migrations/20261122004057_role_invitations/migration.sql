-- AlterTable
ALTER TABLE "Invitation" ADD COLUMN     "role" TEXT NOT NULL DEFAULT 'operator',
ADD COLUMN     "scope" JSONB,
ALTER COLUMN "organisationId" DROP NOT NULL;
