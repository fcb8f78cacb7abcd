import type { ComponentChildren, TargetedMouseEvent } from "preact";
import { useEffect, useState } from "preact/hooks";

// A few client routes under /dashboard/, with the History API; the server answers index.html for each.
export const BASE = "/dashboard";

export type Route = { name: "executions" } | { name: "execution"; id: string } | { name: "programs" } | { name: "unknown"; path: string };

export function parseRoute(pathname: string): Route {
  const path = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  if (path === "" || path === "/" || path === "/executions" || path === "/executions/") return { name: "executions" };
  const m = /^\/executions\/([^/]+)\/?$/.exec(path);
  if (m) return { name: "execution", id: decodeURIComponent(m[1]) };
  if (path === "/programs" || path === "/programs/") return { name: "programs" };
  return { name: "unknown", path: pathname };
}

const listeners = new Set<() => void>();

export function navigate(href: string): void {
  history.pushState(null, "", href);
  for (const l of listeners) l();
  window.scrollTo(0, 0);
}

export function useRoute(): Route {
  const [pathname, setPathname] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPathname(location.pathname);
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return parseRoute(pathname);
}

/** A real link (keyboard, middle-click and copy work) that navigates in place on a plain click. */
export function Link(props: { href: string; children: ComponentChildren; class?: string; "aria-current"?: "page" }) {
  const onClick = (e: TargetedMouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} class={props.class} aria-current={props["aria-current"]} onClick={onClick}>
      {props.children}
    </a>
  );
}
