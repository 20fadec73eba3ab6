// Sections that modules add to the home page (notices, the services a signed-in resident uses,
// …), so the platform's home page shows them without importing any module. Each renders for
// the request, or gives undefined when it has nothing to show this visitor.
import type { FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import type { AppContext } from '../module.ts';

export interface HomeSection {
  /** Lower first. */
  order: number;
  render(request: FastifyRequest): Promise<ComponentChildren | undefined>;
}

const sections = new WeakMap<AppContext, HomeSection[]>();

export function addHomeSection(ctx: AppContext, section: HomeSection): void {
  const list = sections.get(ctx) ?? [];
  list.push(section);
  list.sort((a, b) => a.order - b.order);
  sections.set(ctx, list);
}

export async function renderHomeSections(ctx: AppContext, request: FastifyRequest): Promise<ComponentChildren[]> {
  const rendered = await Promise.all((sections.get(ctx) ?? []).map((s) => s.render(request)));
  return rendered.filter((r) => r !== undefined && r !== null);
}

// The same for the staff home page (/staff): a module's work waiting for the staff member.
const staffSections = new WeakMap<AppContext, HomeSection[]>();

export function addStaffHomeSection(ctx: AppContext, section: HomeSection): void {
  const list = staffSections.get(ctx) ?? [];
  list.push(section);
  list.sort((a, b) => a.order - b.order);
  staffSections.set(ctx, list);
}

export async function renderStaffHomeSections(ctx: AppContext, request: FastifyRequest): Promise<ComponentChildren[]> {
  const rendered = await Promise.all((staffSections.get(ctx) ?? []).map((s) => s.render(request)));
  return rendered.filter((r) => r !== undefined && r !== null);
}
