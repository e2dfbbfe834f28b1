import type { Handler } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { allowed } from '../permissions.ts';
import { evaluateThresholds } from '../../rules/thresholds.ts';
import { evidenceChecklist } from '../../rules/evidence.ts';
import { evidenceProvisions } from '../../store/file-records.ts';
import { COMMAND_HELP } from '../commands.ts';
import { INTRO_SHOWN, renderChecklist, renderEvidence, renderVerdicts, sectionLabel } from '../render.ts';
import { say } from '../views.ts';
import { roleHelp } from '../role-help.ts';

/** Where the declaration stands: 进度, 门槛, 材料, 帮助 — and a word not understood. */
export const status: Handler = allowed('read', async (ctx, next) => {
  const c = Conversation.of(ctx);
  const command = ctx.command;
  switch (command?.kind) {
    case 'progress': {
      const lines = c.sectionLines();
      const done = lines.filter((l) => l.status === 'done').length;
      const answered = lines.reduce((a, l) => a + l.answered, 0);
      const total = lines.reduce((a, l) => a + l.total, 0);
      const overview = c.overview(lines);
      const verdicts = renderVerdicts(evaluateThresholds(c.loaded, c.answers, c.scope()));
      return ctx.reply({ ...overview, text: `填写进度：已完成 ${done}/${lines.length} 个部分，已回答 ${answered}/${total} 题。\n\n${overview.text}\n\n${verdicts}` });
    }
    case 'thresholds':
      return ctx.reply(say(renderVerdicts(evaluateThresholds(c.loaded, c.answers, c.scope()))));
    case 'checklist':
      return ctx.reply(say(renderChecklist(evidenceChecklist(c.loaded, c.answers, c.scope(), await evidenceProvisions(ctx.sql, c.state.id)))));
    case 'evidence':
      return ctx.reply(say(renderEvidence(evidenceChecklist(c.loaded, c.answers, c.scope(), await evidenceProvisions(ctx.sql, c.state.id)), command.page ?? 1)));
    case 'help': {
      const { questionId } = c.position();
      const q = questionId ? c.loaded.questions.get(questionId) : undefined;
      const current = c.current;
      const lines = [
        current.intro && [...current.intro].length > INTRO_SHOWN ? `${sectionLabel(current)}说明：${current.intro}` : '',
        q?.help ? `本题说明（${q.ref}）：${q.help}` : '',
        '可用的说法：',
        // Coordinators and staff read and review; their own words first, the operator's for moving through the questions.
        roleHelp(ctx) ?? COMMAND_HELP,
      ].filter(Boolean);
      return ctx.reply(...c.respond(c.turn(), [say(lines.join('\n'))]));
    }
    case 'unknown':
      return ctx.reply(...c.respond(c.turn(), [say(`无法识别“${command.word.slice(0, 30)}”。可用的说法：\n${COMMAND_HELP}`)]));
    default:
      return next();
  }
});
