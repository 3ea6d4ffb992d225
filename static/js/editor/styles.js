// Cytoscape stylesheets: the full one and the lean one of overview mode (large models).
import { NODE_H, NODE_W } from './config.js';

export function fullStyle(big, ZONES) {
  return [
    { selector: 'node', style: { 'label': 'data(label)', 'font-family': 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', 'font-size': 12, 'min-zoomed-font-size': big ? 7 : 4 } },
    { selector: 'node.component', style: {
      'shape': 'data(shape)', 'background-color': 'data(fill)', 'border-color': 'data(stroke)', 'border-width': 2,
      'width': NODE_W, 'height': NODE_H, 'text-valign': 'center', 'text-halign': 'center', 'text-wrap': big ? 'ellipsis' : 'wrap',
      'text-max-width': NODE_W - 14, 'color': '#0f172a', 'font-weight': 600, 'font-size': 15, 'line-height': 1.1 } },
    { selector: 'node.component.internet', style: { 'border-style': 'double', 'border-width': 5 } },
    { selector: 'node.boundary', style: {
      'shape': 'round-rectangle', 'background-color': 'data(tcolor)', 'background-opacity': 0.04,
      'border-color': 'data(tcolor)', 'border-width': 2, 'border-style': 'dashed', 'padding': 16,
      'text-valign': 'top', 'text-halign': 'center', 'text-margin-y': -3, 'color': '#1e293b', 'font-weight': 700,
      'font-size': 18, 'text-background-color': '#ffffff', 'text-background-opacity': 0.9, 'text-background-padding': 2,
      'compound-sizing-wrt-labels': big ? 'exclude' : 'include', 'min-width': 160, 'min-height': 70 } },
    { selector: 'edge', style: {
      'width': 2, 'line-color': '#64748b', 'target-arrow-color': '#64748b', 'target-arrow-shape': 'triangle',
      'curve-style': big ? 'haystack' : 'bezier', 'arrow-scale': 1.1, 'label': big ? '' : 'data(label)', 'font-size': 11,
      'color': '#334155', 'text-background-color': '#ffffff', 'text-background-opacity': 0.9, 'text-background-padding': 2,
      'text-rotation': 'none', 'text-wrap': 'none', 'text-margin-y': -8, 'min-zoomed-font-size': 6, 'haystack-radius': 0 } },
    { selector: 'node.zone', style: { 'width': 'data(w)', 'height': 'data(h)', 'z-index-compare': 'manual', 'z-index': 'data(z)', 'text-margin-y': 22 } },
    { selector: 'node.component', style: ZONES ? { 'z-index-compare': 'manual', 'z-index': 100 } : {} },
    { selector: 'edge', style: ZONES ? { 'z-index-compare': 'manual', 'z-index': 90, 'width': 1, 'arrow-scale': 0.8 } : {} },
    { selector: 'edge.plain', style: { 'line-style': 'dashed', 'line-dash-pattern': [7, 5] } },
    { selector: 'edge.unstated', style: { 'line-style': 'dotted' } },  // encryption unspecified (judged from the protocol)
    { selector: 'edge.both', style: { 'source-arrow-shape': 'triangle', 'source-arrow-color': '#64748b' } },
    { selector: 'node.component[sev]', style: { 'border-color': 'data(sevcolor)', 'border-width': 4 } },
    { selector: 'node[badge]', style: {
      'background-image': 'data(badge)', 'background-width': 24, 'background-height': 24, 'background-position-x': '100%',
      'background-position-y': '0%', 'background-offset-x': 12, 'background-offset-y': -12, 'background-clip': 'none',
      'background-image-containment': 'over', 'bounds-expansion': 14, 'background-image-opacity': 1 } },
    { selector: 'edge[sev]', style: { 'line-color': 'data(sevcolor)', 'target-arrow-color': 'data(sevcolor)', 'source-arrow-color': 'data(sevcolor)', 'width': 3, 'color': 'data(sevcolor)', 'font-weight': 700 } },
    { selector: 'edge.conf', style: { 'line-color': 'data(confcolor)', 'target-arrow-color': 'data(confcolor)', 'source-arrow-color': 'data(confcolor)', 'width': 4, 'color': 'data(confcolor)', 'font-weight': 700 } },
    { selector: 'edge.conf[conf = "unmapped"]', style: { 'width': 2, 'opacity': 0.55 } },
    { selector: ':selected', style: { 'overlay-color': '#2563eb', 'overlay-opacity': 0.18, 'overlay-padding': 6 } },
    { selector: 'node.boundary:selected', style: { 'border-width': 4, 'border-color': '#2563eb' } },
    { selector: '.path-dim', style: { 'opacity': 0.18 } },
    { selector: '.path-on', style: { 'opacity': 1, 'underlay-color': '#f59e0b', 'underlay-opacity': 0.45, 'underlay-padding': 8 } },
    { selector: 'edge.path-on', style: { 'width': 5, 'line-color': '#b45309', 'target-arrow-color': '#b45309' } },
    { selector: '.diff-added', style: { 'underlay-color': '#16a34a', 'underlay-opacity': 0.45, 'underlay-padding': 8 } },
    { selector: '.diff-changed', style: { 'underlay-color': '#d97706', 'underlay-opacity': 0.45, 'underlay-padding': 8 } },
    { selector: '.diff-removed', style: { 'opacity': 0.45, 'underlay-color': '#dc2626', 'underlay-opacity': 0.35, 'underlay-padding': 8, 'line-style': 'dotted', 'border-style': 'dotted' } },
    { selector: '.eh-handle', style: { 'background-color': '#2563eb', 'width': 12, 'height': 12, 'shape': 'ellipse', 'overlay-opacity': 0, 'border-width': 10, 'border-opacity': 0 } },
    { selector: '.eh-hover', style: { 'background-color': '#bfdbfe' } },
    { selector: '.eh-source', style: { 'border-width': 3, 'border-color': '#2563eb' } },
    { selector: '.eh-target', style: { 'border-width': 3, 'border-color': '#2563eb' } },
    { selector: '.eh-preview, .eh-ghost-edge', style: { 'background-color': '#2563eb', 'line-color': '#2563eb', 'target-arrow-color': '#2563eb', 'source-arrow-color': '#2563eb' } },
    { selector: '.eh-ghost-edge.eh-preview-active', style: { 'opacity': 0 } }
  ];
}

// Overview mode: a lean stylesheet (every style property costs time per element when thousands load).
export function leanStyle() {
  // Text properties sit on 'lbl' only: until labels are switched on, each node gets as few style properties
  // as its shape needs (Cytoscape does per-property bookkeeping for every element when it first styles it).
  return [
    { selector: 'node.component', style: { 'shape': 'data(shape)', 'background-color': 'data(fill)', 'border-color': 'data(stroke)', 'border-width': 2,
      'width': NODE_W, 'height': NODE_H } },
    { selector: 'node.zone', style: { 'shape': 'rectangle', 'width': 'data(w)', 'height': 'data(h)', 'background-color': 'data(tcolor)', 'background-opacity': 0.05,
      'border-color': 'data(tcolor)', 'border-width': 2, 'border-style': 'dashed' } },
    { selector: 'node.lbl', style: { 'label': 'data(label)', 'font-size': 13, 'min-zoomed-font-size': 9, 'text-valign': 'center', 'text-halign': 'center' } },
    { selector: 'node.component.lbl', style: { 'text-wrap': 'wrap', 'text-max-width': NODE_W - 14 } },
    { selector: 'node.zone.lbl', style: { 'text-valign': 'top', 'text-margin-y': 22, 'font-size': 18, 'font-weight': 700 } },
    { selector: 'edge', style: { 'curve-style': 'haystack', 'width': 1, 'line-color': '#94a3b8' } },
    { selector: 'edge.plain', style: { 'line-style': 'dashed' } },
    { selector: 'edge.unstated', style: { 'line-style': 'dotted' } },
    { selector: 'node.component[sev]', style: { 'border-color': 'data(sevcolor)', 'border-width': 4 } },
    { selector: 'node[badge]', style: { 'background-image': 'data(badge)', 'background-width': 24, 'background-height': 24, 'background-position-x': '100%',
      'background-position-y': '0%', 'background-clip': 'none', 'background-image-containment': 'over', 'bounds-expansion': 14 } },
    { selector: 'edge[sev]', style: { 'line-color': 'data(sevcolor)', 'width': 2 } },
    { selector: 'edge.conf', style: { 'line-color': 'data(confcolor)', 'width': 3 } },
    { selector: 'edge.conf[conf = "unmapped"]', style: { 'width': 1, 'opacity': 0.55 } },
    { selector: 'edge:selected, edge.path-on', style: { 'mid-target-arrow-shape': 'triangle', 'mid-target-arrow-color': '#2563eb', 'width': 3 } },
    { selector: ':selected', style: { 'overlay-color': '#2563eb', 'overlay-opacity': 0.2, 'overlay-padding': 6 } },
    { selector: '.path-dim', style: { 'opacity': 0.15 } },
    { selector: '.path-on', style: { 'opacity': 1, 'underlay-color': '#f59e0b', 'underlay-opacity': 0.45, 'underlay-padding': 8 } },
    { selector: '.eh-handle', style: { 'background-color': '#2563eb', 'width': 12, 'height': 12, 'shape': 'ellipse' } },
    { selector: '.eh-preview, .eh-ghost-edge', style: { 'line-color': '#2563eb', 'curve-style': 'straight' } }
  ];
}
