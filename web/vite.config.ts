import { defineConfig } from "vite";

// The app is static: `npm run build` writes dist/, which the CLI serves locally (with
// /config.json naming the APIs) and `concert deploy` uploads to the web bucket on AWS.
// The chart library is a chunk of its own (~590 kB, ~200 kB gzipped, both servers compress it):
// it changes only with its version, so browsers keep it across releases of the app.
export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    target: "es2022",
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      output: {
        manualChunks: (id) => (/node_modules\/(echarts|zrender|tslib)\//.test(id) ? "charts" : undefined),
      },
    },
  },
});
