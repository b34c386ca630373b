// GraphiQL served by Tongxin itself (a pinned build, web/vendor.sh), so GET /graphql
// works on an intranet without the internet.
const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true }),
);
