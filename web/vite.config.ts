import { defineConfig } from "vite";

// The app is static: `npm run build` writes dist/, which the CLI serves locally (with
// /config.json naming the APIs) and `concert deploy` uploads to the web bucket on AWS.
export default defineConfig({
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, target: "es2022" },
});
