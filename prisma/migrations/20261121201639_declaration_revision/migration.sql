-- AlterTable
ALTER TABLE "Declaration" ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 0;
