// Review mail commands: draft a reply from the current series comparison,
// save it as .eml, copy it, and send it only after an explicit modal
// confirmation (git send-email or SMTP). The SMTP password lives in
// SecretStorage only; it is never written to settings or the log.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MailError } from '../core/mail/mailError';
import { parseMbox, type MailAddress } from '../core/mail/rfc2822';
import { sendEmailArgv } from '../core/mail/sendCommand';
import { buildSeriesDraft, draftChoices, type DraftTarget } from '../core/mail/seriesDraft';
import { TOOL_VERSION } from '../core/reports/jsonReport';
import { gitIdentity } from '../node/git';
import { gitSendEmailAvailable, runGitSendEmail } from '../node/sendEmail';
import type * as SmtpModule from '../node/smtpSend';

/**
 * nodemailer is most of the extension's weight and only needed when sending:
 * it ships as its own bundle (dist/smtpSend.js), loaded on the first SMTP send,
 * so activation stays light.
 */
function loadSmtp(): typeof SmtpModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(__dirname, 'smtpSend.js')) as typeof SmtpModule;
}
import { findRepoRoot, type CompareController } from './compare';
import type { Log } from './log';
import {
  confirmationDetail,
  draftFileName,
  fromInputProblem,
  readMailSettings,
  resolveFrom,
  smtpProblem,
  smtpSecretKey,
  summarizeDraft,
  transportLabel,
  type MailSettings,
} from './mailFlow';
import { requireTrust, UserError } from './settings';

export const MAIL_LANGUAGE = 'review-mail';

function mailSettings(): MailSettings {
  const c = vscode.workspace.getConfiguration('lifecycleLens');
  return readMailSettings((k) => c.get(k));
}

function workspaceDir(): string | undefined {
  const f = vscode.workspace.workspaceFolders?.find((w) => w.uri.scheme === 'file');
  return f?.uri.fsPath;
}

function asUserError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof MailError) throw new UserError(e.message);
    throw e;
  }
}

/** The draft editor: the active one if it holds a draft, else a visible review-mail editor. */
function draftDocument(): vscode.TextDocument {
  const active = vscode.window.activeTextEditor?.document;
  const doc =
    active && (active.languageId === MAIL_LANGUAGE || /\.eml$/i.test(active.uri.path))
      ? active
      : vscode.window.visibleTextEditors.find((e) => e.document.languageId === MAIL_LANGUAGE)
          ?.document;
  if (!doc)
    throw new UserError(
      'Open a review draft first (Lifecycle Lens: Draft Review Reply…, or an .eml file).',
    );
  return doc;
}

export class MailCommands {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly compare: CompareController,
    private readonly log: Log,
  ) {}

  private async sender(repo: string | undefined): Promise<MailAddress | undefined> {
    const s = mailSettings();
    let git: { name: string; address: string } | undefined;
    if (!s.from && vscode.workspace.isTrusted && repo) git = gitIdentity(repo);
    const from = asUserError(() => resolveFrom(s.from, git));
    if (from) return from;
    const typed = await vscode.window.showInputBox({
      title: 'Lifecycle Lens: your name and address for the reply',
      prompt: 'No lifecycleLens.mail.from setting and no git config user.email found.',
      placeHolder: 'Your Name <you@example.org>',
      ignoreFocusOut: true,
      validateInput: fromInputProblem,
    });
    return typed ? asUserError(() => resolveFrom(typed, undefined)) : undefined;
  }

  /** Draft Review Reply…: pick the cover letter or a patch of the compared version. */
  async draftReply(): Promise<void> {
    let session = this.compare.session;
    if (!session?.series) {
      const pick = await vscode.window.showInformationMessage(
        'Lifecycle Lens: a review reply is drafted from a patch series comparison. Compare the series versions (mbox files) first?',
        { modal: true },
        'Compare Series…',
      );
      if (!pick) return;
      await this.compare.compareSeries();
      session = this.compare.session;
      if (!session?.series) return;
    }
    const { comparison, mboxes } = session.series;
    const result = comparison.comparisons[comparison.comparisons.length - 1];
    const mbox = mboxes[mboxes.length - 1];
    if (!result || !mbox) throw new UserError('The series comparison has no version to reply to.');
    const messages = asUserError(() => parseMbox(fs.readFileSync(mbox)));
    const { choices, unassigned } = draftChoices(messages, result);
    type Item = vscode.QuickPickItem & { target: DraftTarget };
    const items: Item[] = choices.map((c) => ({
      label: c.target.kind === 'cover' ? `$(mail) ${c.label}` : c.label,
      description: c.description,
      detail: c.target.kind === 'cover' ? c.message.subject : undefined,
      target: c.target,
    }));
    const picked = await vscode.window.showQuickPick(items, {
      title: `Lifecycle Lens: reply to which mail of ${path.basename(mbox)} (${result.before.label} → ${result.after.label})?`,
      matchOnDescription: true,
      ignoreFocusOut: true,
    });
    if (!picked) return;
    const from = await this.sender(findRepoRoot(mbox) ?? workspaceDir());
    if (!from) return;
    const { draft } = asUserError(() =>
      buildSeriesDraft(messages, result, picked.target, {
        from,
        date: new Date(),
        messageIdDomain: from.address.split('@')[1],
        toolVersion: TOOL_VERSION,
      }),
    );
    const doc = await vscode.workspace.openTextDocument({
      language: MAIL_LANGUAGE,
      content: draft.text,
    });
    await vscode.window.showTextDocument(doc, { preview: false });
    this.log.info(
      `drafted "${draft.headers.subject}" (${picked.target.kind === 'cover' ? result.changes.length : (choices.find((c) => c.target === picked.target)?.changes.length ?? 0)} behaviour change(s)); nothing is sent until you use Send Review Draft…`,
    );
    for (const r of draft.headers.rejected) this.log.warn(`draft: left out recipient ${r}`);
    if (picked.target.kind === 'patch' && unassigned.length)
      void vscode.window.showInformationMessage(
        `Lifecycle Lens: ${unassigned.length} behaviour change(s) match no patch; the cover letter reply lists them.`,
      );
  }

  async saveDraft(): Promise<void> {
    const doc = draftDocument();
    const text = doc.getText();
    let name = 'review.eml';
    try {
      name = draftFileName(summarizeDraft(text).subject);
    } catch {
      // An incomplete draft can still be saved; it just gets a generic name.
    }
    const dir = workspaceDir();
    const uri = await vscode.window.showSaveDialog({
      title: 'Lifecycle Lens: save review draft',
      defaultUri: dir ? vscode.Uri.file(path.join(dir, name)) : undefined,
      filters: { 'Mail (.eml)': ['eml'] },
    });
    if (!uri) return;
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    this.log.info(`saved review draft to ${uri.fsPath}`);
    void vscode.window.showInformationMessage(
      `Lifecycle Lens: draft saved to ${vscode.workspace.asRelativePath(uri)}.`,
    );
  }

  async copyDraft(): Promise<void> {
    await vscode.env.clipboard.writeText(draftDocument().getText());
    void vscode.window.setStatusBarMessage('Lifecycle Lens: review draft copied', 3000);
  }

  /** Send Review Draft…: trusted workspace only, after a modal confirmation. */
  async sendDraft(): Promise<void> {
    requireTrust('Sending mail');
    const doc = draftDocument();
    const text = doc.getText();
    const summary = asUserError(() => summarizeDraft(text));
    const s = mailSettings();
    if (s.transport === 'smtp') {
      const problem = smtpProblem(s.smtp);
      if (problem) throw new UserError(problem);
    }
    const send = 'Send';
    const answer = await vscode.window.showWarningMessage(
      `Send this review reply to ${summary.to.length + summary.cc.length} recipient(s)?`,
      { modal: true, detail: confirmationDetail(summary, transportLabel(s)) },
      send,
    );
    if (answer !== send) {
      this.log.info('send cancelled; nothing was sent');
      return;
    }
    if (s.transport === 'smtp') await this.sendSmtp(text, s);
    else await this.sendGit(text, summary);
  }

  private async sendGit(text: string, summary: ReturnType<typeof summarizeDraft>): Promise<void> {
    const cwd = workspaceDir() ?? os.homedir();
    const available = await gitSendEmailAvailable(cwd);
    if (!available.ok)
      throw new UserError(
        `${available.reason}. Install it (Debian: git-email) or set lifecycleLens.mail.transport to "smtp".`,
      );
    // git send-email reads a file: the text exactly as confirmed, in a private directory.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-lens-mail-'));
    try {
      const file = path.join(dir, 'draft.eml');
      fs.writeFileSync(file, text, { mode: 0o600 });
      const argv = asUserError(() =>
        sendEmailArgv({
          draftPath: file,
          from: summary.from,
          inReplyTo: summary.inReplyTo,
          to: summary.to.map((a) => a.address),
          cc: summary.cc.map((a) => a.address),
        }),
      );
      const r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Lifecycle Lens: sending…' },
        () => runGitSendEmail(argv, { cwd, dryRun: false, confirmed: true }),
      );
      if (!r.ok) {
        this.log.error(`git send-email failed (exit ${r.code}): ${r.stderr.trim()}`);
        throw new UserError(
          `git send-email failed: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}`,
        );
      }
      this.log.info(`sent "${summary.subject}" with git send-email`);
      void vscode.window.showInformationMessage(`Lifecycle Lens: sent "${summary.subject}".`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  private async sendSmtp(text: string, s: MailSettings): Promise<void> {
    const key = smtpSecretKey(s.smtp);
    let password: string | undefined;
    let typed = false;
    if (s.smtp.user) {
      password = await this.context.secrets.get(key);
      if (password === undefined) {
        password = await vscode.window.showInputBox({
          title: `Lifecycle Lens: SMTP password for ${s.smtp.user}@${s.smtp.host}`,
          prompt: 'Kept in VS Code secret storage (never in settings or logs).',
          password: true,
          ignoreFocusOut: true,
        });
        if (password === undefined) return;
        typed = true;
      }
    }
    const r = await vscode.window
      .withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Lifecycle Lens: sending…' },
        () =>
          loadSmtp().sendDraftSmtp(
            text,
            { host: s.smtp.host, port: s.smtp.port, security: s.smtp.security, user: s.smtp.user },
            password,
          ),
      )
      .then(
        (ok) => ok,
        (e: unknown) => {
          // sendDraftSmtp scrubs the password from its messages.
          const msg = (e as Error)?.message ?? String(e);
          this.log.error(`SMTP send to ${s.smtp.host}:${s.smtp.port} failed: ${msg}`);
          throw new UserError(`SMTP send failed: ${msg}`);
        },
      );
    if (typed && password !== undefined) await this.context.secrets.store(key, password);
    this.log.info(
      `sent over SMTP ${s.smtp.host}:${s.smtp.port}: accepted ${r.accepted.length}, rejected ${r.rejected.length}`,
    );
    void vscode.window.showInformationMessage(
      r.rejected.length
        ? `Lifecycle Lens: sent, but the server rejected ${r.rejected.join(', ')}.`
        : `Lifecycle Lens: sent to ${r.accepted.length} recipient(s).`,
    );
  }

  async forgetSmtpPassword(): Promise<void> {
    const s = mailSettings();
    await this.context.secrets.delete(smtpSecretKey(s.smtp));
    this.log.info(
      `forgot the stored SMTP password for ${s.smtp.user || '(no user)'}@${s.smtp.host}`,
    );
    void vscode.window.showInformationMessage(
      'Lifecycle Lens: the stored SMTP password was removed.',
    );
  }
}
