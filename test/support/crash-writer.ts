// Child process for the crash test: opens the embedded database in argv[2], writes one organisation,
// prints WRITTEN <id>, then waits to be killed with SIGKILL.
import { openDatabase } from '../../src/store/database.ts';

const db = await openDatabase({ dataDir: process.argv[2] });
const organisation = await db.prisma.organisation.create({
  data: { flowId: 'crash-test', seq: 1, unitName: '崩溃前写入的单位', extra: { 备注: '写入后进程被 kill -9' } },
});
process.stdout.write(`WRITTEN ${organisation.id}\n`);
setInterval(() => undefined, 60_000);
