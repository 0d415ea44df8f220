// Small building blocks shared by the pages.

import type { ComponentChildren } from 'preact';
import { Component } from 'preact';

export function Page(props: { id: string; title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  return (
    <section class="page" data-testid={`page-${props.id}`}>
      <header class="page-head">
        <h1>{props.title}</h1>
        {props.actions && <div class="page-actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

export function Panel(props: {
  title?: ComponentChildren;
  actions?: ComponentChildren;
  class?: string;
  children: ComponentChildren;
  testid?: string;
}) {
  return (
    <div class={`panel ${props.class ?? ''}`} data-testid={props.testid}>
      {(props.title || props.actions) && (
        <div class="panel-head">
          {props.title && <h2>{props.title}</h2>}
          {props.actions && <div class="panel-actions">{props.actions}</div>}
        </div>
      )}
      {props.children}
    </div>
  );
}

/** A request's error, shown where its data would be. */
export function ErrorBanner({ error, testid = 'api-error' }: { error: string | undefined; testid?: string }) {
  if (!error) return null;
  return (
    <div class="banner banner-error" role="alert" data-testid={testid}>
      {error}
    </div>
  );
}

export function Loading() {
  return <p class="muted">Loading…</p>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export function Badge({
  tone = 'neutral',
  children,
}: {
  tone?: 'ok' | 'warn' | 'bad' | 'neutral' | 'info';
  children: ComponentChildren;
}) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

/** A label–value list. */
export function Facts({ items }: { items: [string, ComponentChildren, string?][] }) {
  return (
    <dl class="facts">
      {items.map(([k, v, testid]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd data-testid={testid}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Stat({ label, value, testid }: { label: string; value: ComponentChildren; testid?: string }) {
  return (
    <div class="stat" data-testid={testid}>
      <div class="stat-value">{value}</div>
      <div class="stat-label">{label}</div>
    </div>
  );
}

/** A fingerprint, shortened, with the whole one on hover. */
export function Fingerprint({ fp }: { fp: string }) {
  if (!fp) return <span class="muted">—</span>;
  return (
    <code class="fp" title={fp}>
      {fp.length > 16 ? `${fp.slice(0, 16)}…` : fp}
    </code>
  );
}

/** Catches a page's rendering errors so the rest of the console keeps working. */
export class ErrorBoundary extends Component<{ children: ComponentChildren }, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div class="panel" data-testid="page-error">
        <div class="banner banner-error" role="alert">
          This page failed: {error.message}
        </div>
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}

/** A column heading; `num` right-aligns it like its numbers. */
export type Column = string | { label: string; num?: boolean };

/** A table that becomes labelled cards on a phone; `children` are its body rows. */
export function Table(props: { columns: Column[]; class?: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap">
      <table class={props.class ? `table cards ${props.class}` : 'table cards'}>
        <thead>
          <tr>
            {props.columns.map((c, i) =>
              typeof c === 'string' ? (
                <th key={i}>{c}</th>
              ) : (
                <th key={i} class={c.num ? 'num' : undefined}>
                  {c.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
