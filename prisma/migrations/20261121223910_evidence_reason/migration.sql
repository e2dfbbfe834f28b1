-- AlterTable
ALTER TABLE "EvidenceMark" ADD COLUMN     "reason" TEXT;
