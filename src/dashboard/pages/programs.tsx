import { useState } from "preact/hooks";
import { ClientLaunchProgramDocument, ClientProgramsDocument } from "../../client/generated/graphql";
import { ConfirmAction } from "../components/confirm-action";
import { useQuery } from "../hooks";
import { navigate } from "../router";
import { useSession } from "../session";

/** Programs, a page at a time, each with a Launch button (the API's refusal shown as it comes). */
export function ProgramsPage() {
  const { request } = useSession();
  const [page, setPage] = useState(1);
  const programs = useQuery(ClientProgramsDocument, { page, limit: 20 }, String(page));
  const meta = programs.data?.programs.meta;
  return (
    <main id="main">
      <h1>Programs</h1>
      {programs.error ? (
        <p class="error" role="alert">
          {programs.error}
        </p>
      ) : null}
      <section class="panel">
        {meta && meta.total === 0 ? <p class="muted">No programs yet: create one with the API (see the README).</p> : null}
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Retry</th>
                <th scope="col" class="num">Max calls</th>
                <th scope="col">Launch</th>
              </tr>
            </thead>
            <tbody>
              {(programs.data?.programs.data ?? []).map((p) => (
                <tr key={p.id} data-program-id={p.id}>
                  <td>
                    {p.name}
                    {p.description ? <div class="muted small">{p.description}</div> : null}
                  </td>
                  <td>{p.status.toLowerCase()}</td>
                  <td>{p.retryStrategy.type.replace(/_/g, " ")}</td>
                  <td class="num">{p.maxConcurrentCalls}</td>
                  <td>
                    <ConfirmAction
                      name="launch"
                      label="Launch"
                      question={`Launch “${p.name}” now?`}
                      disabled={p.status === "ARCHIVED"}
                      action={async () => {
                        const { launchProgram } = await request(ClientLaunchProgramDocument, { programId: p.id });
                        navigate(`/dashboard/executions/${launchProgram.id}`);
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {meta && meta.totalPages > 1 ? (
          <nav class="pager" aria-label="Programs pages">
            <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
              Previous
            </button>
            <span>
              Page {meta.page} of {meta.totalPages}
            </span>
            <button type="button" disabled={page >= meta.totalPages} onClick={() => setPage(page + 1)}>
              Next
            </button>
          </nav>
        ) : null}
      </section>
    </main>
  );
}
