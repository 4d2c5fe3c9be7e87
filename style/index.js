// What JupyterLab needs at start-up (base.css): the sidebar shell while the
// chat loads. The chat's styles (chat.css) load with the chat, the New ETL
// notebook form's (etl.css) with the form. Only JupyterLab's CSS variables.
// The comments live here, not in base.css: the CSS ships as written, comments
// included, in the start-up bundle.
import './base.css';
