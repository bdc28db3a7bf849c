"""The HTML and JavaScript the template tags put in the page.

Everything variable goes into the inline scripts as JSON with ``<``, ``>``, ``&`` and the
JavaScript line terminators escaped (as ``json_script`` does), so no value can close the
script or break out of its string. Attributes are HTML-escaped.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

_JS_ESCAPES = {
    ord("<"): "\\u003C",
    ord(">"): "\\u003E",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}

# The listener (section 2 of Convert's integration guide), posting to the ingest endpoint.
# ``__CONFIG__`` is replaced by {url, header, token, visitorId}. It posts only what changed
# since its last post in this browser session, and never throws into the page.
LISTENER_JS = """(function(c){var q=window._conv_q=window._conv_q||[];
q.push({what:"addListener",params:{event:"snippet.experiences_evaluated",handler:function(){
try{var cv=window.convert||{},
d=(typeof cv.getCurrentVisitorData==="function"&&cv.getCurrentVisitorData())||{};
var id=d.visitorId||c.visitorId;if(id!==c.visitorId||!window.fetch)return;
var s=d.segments||(typeof cv.getVisitorSegments==="function"&&cv.getVisitorSegments())||{};
var b=Array.isArray(d.bucketing)?d.bucketing:[],e=[];
b.forEach(function(x){if(x&&x.experienceId&&x.variationId)e.push({experienceId:String(x.experienceId),variationId:String(x.variationId)})});
var body=JSON.stringify({visitorId:id,experiences:e,segments:{browser:s.browser||"OTH",
devices:s.devices||["OTHDEV"],source:s.source||"direct",visitorType:s.visitorType||"new",
country:s.country||"",campaign:s.campaign||"",customSegments:s.customSegments||[]}});
var k="django_convert:"+id,st=null;
try{st=window.sessionStorage;if(st.getItem(k)===body)return;st.setItem(k,body)}catch(x){st=null}
var forget=function(){try{if(st)st.removeItem(k)}catch(x){}};
var h={"Content-Type":"application/json"};h[c.header]=c.token;
window.fetch(c.url,{method:"POST",headers:h,body:body,credentials:"same-origin",keepalive:true})
.then(function(r){if(!r.ok)forget()},forget)}catch(x){}}}})})(__CONFIG__);"""


def js_value(value: Any) -> str:
    """``value`` as a JavaScript literal that is safe inside an inline <script>."""
    return json.dumps(value, separators=(",", ":")).translate(_JS_ESCAPES)


def identify_js(visitor_id: str) -> str:
    """Queue BYOID's ``identify`` before Convert's script drains ``window._conv_q``."""
    params = js_value({"visitorId": visitor_id})
    return (
        "window._conv_q=window._conv_q||[];"
        f'window._conv_q.push({{what:"identify",params:{params}}});'
    )


def listener_js(*, url: str, header: str, token: str, visitor_id: str) -> str:
    config = js_value({"url": url, "header": header, "token": token, "visitorId": visitor_id})
    return LISTENER_JS.replace("__CONFIG__", config)


def _nonce_attribute(nonce: str | None) -> str:
    return f' nonce="{conditional_escape(nonce)}"' if nonce else ""


def inline_script(code: str, nonce: str | None) -> SafeString:
    # ``code`` holds only our own JavaScript and js_value() output: nothing can close the tag.
    return mark_safe(f"<script{_nonce_attribute(nonce)}>{code}</script>")  # noqa: S308


def external_script(src: str, nonce: str | None) -> SafeString:
    # Synchronous on purpose: Convert loads in the head, before the page renders (no flicker).
    return mark_safe(  # noqa: S308
        f'<script src="{conditional_escape(src)}"{_nonce_attribute(nonce)}></script>'
    )
