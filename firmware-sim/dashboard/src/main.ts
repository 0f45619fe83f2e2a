/** The dashboard page's entry (docs/protocol.md §8.6). */
import './dashboard-app.js';
