/** The dashboard page's entry (docs/protocol.md §8.5). */
import './dashboard-app.js';
